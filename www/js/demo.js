// The seed demo of LIVE.md, preloaded into the page: methA: loops forever
// printing what methB answers.

export const DEMO_SOURCE = `"The seed scenario of LIVE.md: methA: loops forever calling methB."!

Object subclass: #Demo
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Livetalk-Demo'!

!Demo methodsFor: 'demo'!
methA: x
	[true] whileTrue: [Transcript show: self methB printString; cr]
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
