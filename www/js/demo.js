// The seed demo of LIVE.md, preloaded into the page: methA: loops forever
// printing what methB answers, and drawing it as a bar whose length and
// colour come from methB, so that editing methB changes the picture too.

export const DEMO_SOURCE = `"The seed scenario: methA: loops forever calling methB."!

Object subclass: #Demo
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Livetalk-Demo'!

!Demo methodsFor: 'demo'!
methA: x
	"Forever: show what methB answers and draw it as a bar."
	| b |
	[true] whileTrue: [
		b := self methB.
		Transcript show: b printString; cr.
		Canvas clear; color: '#222222';
			text: 'methB = ', b printString x: 20 y: 90.
		b isNumber ifTrue: [Canvas
			color: 'hsl(', (b * 60) printString, ' 70% 45%)';
			fillRectX: 20 y: 100
				width: ((b * 40 max: 0) min: 360) height: 60]]
!
methB
	^ 1
! !
`;

/** The browsers the page opens with: [class, meta, selector]. */
export const DEMO_BROWSERS = [
  ['Demo', false, 'methA:'],
  ['Demo', false, 'methB'],
];

export const DEMO_EXPRESSION = 'Demo new methA: 0';
