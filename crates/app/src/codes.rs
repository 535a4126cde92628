//! Codes people type from paper: a case's verification code (查询验证码,
//! printed on the slip and the receipt), booking numbers. Ten characters of
//! a 31-letter alphabet are about 49 bits, enough for a case's lifetime when
//! wrong guesses are throttled (the server does that).

/// Characters of a code: no 0/O/1/I/L to confuse.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Characters in a verification code.
pub const CODE_LEN: usize = 10;

/// `n` random characters of the code alphabet, unbiased.
pub fn random_chars(n: usize) -> String {
    let mut out = String::with_capacity(n);
    // 248 = 8 × 31: bytes above it are dropped, so every letter is equally likely.
    while out.len() < n {
        let mut b = [0u8; 16];
        getrandom::fill(&mut b).expect("the OS random source is available");
        out.extend(
            b.iter()
                .filter(|&&x| x < 248)
                .map(|&x| char::from(ALPHABET[usize::from(x) % ALPHABET.len()]))
                .take(n - out.len()),
        );
    }
    out
}

/// A new verification code.
pub fn new_verification_code() -> String {
    random_chars(CODE_LEN)
}
