//! `wasi:random`: the seed of Rust's hash maps always, and, when granted, the host's random
//! numbers; all from the operating system's generator.

use wasmtime::Result;

use super::WasiView;
use super::wasi::random::{insecure, insecure_seed, random};

/// The most random bytes one call gives: the rest of a larger request is cut off, as a plugin
/// cannot take more than a copy's worth into its memory anyway.
const MAX_BYTES: u64 = 1 << 20;

/// `len` random bytes (at most [`MAX_BYTES`]) from the operating system.
fn bytes(len: u64) -> Result<Vec<u8>> {
    let mut bytes = vec![0; len.min(MAX_BYTES) as usize];
    fill(&mut bytes)?;
    Ok(bytes)
}

/// A random `u64` from the operating system.
fn number() -> Result<u64> {
    let mut bytes = [0; 8];
    fill(&mut bytes)?;
    Ok(u64::from_ne_bytes(bytes))
}

/// Fills `bytes` from `getrandom(2)`.
#[allow(unsafe_code, reason = "getrandom(2) through libc")]
fn fill(bytes: &mut [u8]) -> Result<()> {
    let mut filled = 0;
    while filled < bytes.len() {
        let rest = &mut bytes[filled..];
        // SAFETY: `rest` is a valid, writable buffer of `rest.len()` bytes for the call.
        let got = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
        if got < 0 {
            let err = std::io::Error::last_os_error();
            if err.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(wasmtime::format_err!(
                "the host's random numbers failed: {err}"
            ));
        }
        filled += got as usize;
    }
    Ok(())
}

impl insecure_seed::Host for WasiView<'_> {
    fn insecure_seed(&mut self) -> Result<(u64, u64)> {
        Ok((number()?, number()?))
    }
}

impl random::Host for WasiView<'_> {
    fn get_random_bytes(&mut self, len: u64) -> Result<Vec<u8>> {
        bytes(len)
    }

    fn get_random_u64(&mut self) -> Result<u64> {
        number()
    }
}

impl insecure::Host for WasiView<'_> {
    fn get_insecure_random_bytes(&mut self, len: u64) -> Result<Vec<u8>> {
        bytes(len)
    }

    fn get_insecure_random_u64(&mut self) -> Result<u64> {
        number()
    }
}
