//! The CLI's `--filter` flag (`Filters::add_cli_flag`), one flag per line: never panics, fails
//! exactly for a non-empty value without `=`, and otherwise adds the trimmed value.

#![no_main]

use libfuzzer_sys::fuzz_target;
use pruner_cli_core::Filters;

fuzz_target!(|text: &str| {
    let mut filters = Filters::new();
    for flag in text.split('\n') {
        let result = filters.add_cli_flag(flag);
        assert_eq!(result.is_err(), !flag.is_empty() && !flag.contains('='));
        if let Some((_, value)) = flag.split_once('=') {
            assert!(
                filters
                    .iter()
                    .any(|(_, values)| values.contains(value.trim())),
                "{flag:?} added no value"
            );
        }
    }
});
