//! Writes part of a response, then panics: the guest traps and the
//! client must get a 500, never the partial output.

fn main() {
    print!("Content-Type: text/plain\n\nhalf a resp");
    panic!("this function always fails");
}
