fn main() {
    let mut vm = match livetalk::Vm::new() {
        Ok(vm) => vm,
        Err(e) => {
            eprintln!("{}", e);
            std::process::exit(3);
        }
    };
    let src = std::env::args().nth(1).unwrap_or_else(|| "3 + 4".into());
    match vm.eval_print(&src) {
        Ok(s) => {
            print!("{}", vm.take_transcript());
            println!("{}", s)
        }
        Err(e) => eprintln!("{}", e),
    }
}
