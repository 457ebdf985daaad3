//! The Engine API's `filters` parameter (`Filters::from_json`): never panics, and whatever it
//! accepts survives the trip through the wire form the CLI sends (`to_json`) unchanged.

#![no_main]

use libfuzzer_sys::fuzz_target;
use pruner_cli_core::Filters;

fuzz_target!(|text: &str| {
    if let Ok(filters) = Filters::from_json(text) {
        assert_eq!(Filters::from_json(&filters.to_json()), Ok(filters));
    }
});
