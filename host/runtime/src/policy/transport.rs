//! `pruner:policy-transport` (`wit/policy-transport`): the container listing packed for the
//! policies built with the SDK, which export it beside the contract. Not a contract: the host
//! calls it only on a component whose export has exactly these types, and the contract's
//! `containers` otherwise. Every string of the listing is a span of one text and the rest is
//! tables of 32-bit words, so that the listing costs the policy's allocator four calls instead
//! of about ten a container, and wasmtime copies each table at once instead of checking and
//! storing every field of every record.

use wasmtime::component::{ComponentExportIndex, ComponentType, InstancePre, Lift, Lower};

use super::bindings::{ClockReading, PolicyOption};
use crate::backend::ContainerFacts;
use crate::bindings::Timestamp;
use crate::bindings::pruner::api::container_store::Span;
use crate::export::Export;
use crate::host_state::HostState;
use crate::packed::push;

/// The exported interface of the packed transport.
pub const PACKED_INTERFACE: &str = "pruner:policy-transport/packed@0.2.0";

/// The transport's `container-listing` record: the text and the tables of words.
#[derive(Clone, Debug, PartialEq, Eq, ComponentType, Lower)]
#[component(record)]
pub struct ContainerListing {
    pub text: String,
    pub containers: Vec<u32>,
    pub names: Vec<u32>,
    pub labels: Vec<u32>,
}

/// The transport's `decisions` record: the objects kept by index, or by an ID the policy
/// named, and each reason once ([`Answer::from_transport`](super::answer::Answer)).
#[derive(Clone, Debug, PartialEq, Eq, ComponentType, Lift)]
#[component(record)]
pub struct PackedDecisions {
    pub kept: Vec<u32>,
    pub ids: Vec<String>,
    pub reasons: Vec<String>,
}

/// `packed.containers`' results.
pub type PackedResults = (Result<PackedDecisions, String>,);

/// The words of one container in `containers`.
const CONTAINER_WORDS: usize = 15;
/// The room the text is first given for each container's strings: ID, name, image and a few
/// labels. Room never written costs address space, not memory.
const TEXT_PER_CONTAINER: usize = 256;
/// The flag of a container whose image is known, above its state's byte.
const IMAGE_KNOWN: u32 = 1 << 8;
/// The flag of a container whose exit time is known.
const FINISHED_KNOWN: u32 = 1 << 9;

/// `packed.containers`' parameters.
pub type PackedParams<'a> = (&'a [PolicyOption], ClockReading, &'a ContainerListing);

/// `packed.containers` of `pre`, if it exports the transport with exactly the host's types.
pub fn find(pre: &InstancePre<HostState>) -> Option<ComponentExportIndex> {
    let (_, index) = pre.component().get_export(None, PACKED_INTERFACE)?;
    let export = Export {
        owner: "its",
        interface: PACKED_INTERFACE,
        index,
    };
    export
        .find::<PackedParams<'static>, PackedResults>(pre, "containers")
        .ok()
}

/// `listed` packed, or `None` if the text or a table would outgrow the 32-bit offsets and
/// counts of the policy's memory.
pub fn pack(listed: &[ContainerFacts]) -> Option<ContainerListing> {
    let names: usize = listed.iter().map(|f| f.container.names.len()).sum();
    let labels: usize = listed.iter().map(|f| f.container.labels.len()).sum();
    let words = |count: usize, each: usize| u32::try_from(count.checked_mul(each)?).ok();
    words(listed.len(), CONTAINER_WORDS)?;
    words(names, 2)?;
    words(labels, 4)?;
    // The text is not measured first, which would read every string of the listing once more,
    // scattered over the heap as they are: it is given room for a typical container's strings,
    // and grows past that if need be. A span is only right while the text fits in `u32`,
    // which is checked once it is written.
    let mut listing = ContainerListing {
        text: String::with_capacity(listed.len() * TEXT_PER_CONTAINER),
        containers: Vec::with_capacity(listed.len() * CONTAINER_WORDS),
        names: Vec::with_capacity(names * 2),
        labels: Vec::with_capacity(labels * 4),
    };
    // The container before, and where its labels' and image's spans are: a string it has
    // at the same place is not written again, but its span given once more. Containers of one
    // project or image are listed together, and share most label keys and many values.
    let mut before: Option<(&ContainerFacts, usize, Span)> = None;
    for facts in listed {
        let container = &facts.container;
        let text = &mut listing.text;
        // The indexes and counts fit in `u32`: the tables' words do, checked above.
        let first_name = (listing.names.len() / 2) as u32;
        for name in &container.names {
            span(&mut listing.names, push(text, name));
        }
        let first_label = listing.labels.len() / 4;
        for (at, label) in container.labels.iter().enumerate() {
            let same = before.and_then(|(facts, first, _)| {
                let words = listing.labels.get((first + at) * 4..(first + at + 1) * 4)?;
                Some((facts.container.labels.get(at)?, words))
            });
            let key = match same {
                Some((same, words)) if same.key == label.key => [words[0], words[1]],
                _ => words_of(push(text, &label.key)),
            };
            let value = match same {
                Some((same, words)) if same.value == label.value => [words[2], words[3]],
                _ => words_of(push(text, &label.value)),
            };
            listing.labels.extend(key.into_iter().chain(value));
        }
        let words = &mut listing.containers;
        span(words, push(text, &container.id));
        words.extend([first_name, container.names.len() as u32]);
        words.extend([first_label as u32, container.labels.len() as u32]);
        let image = facts.image.as_deref().map(|image| match before {
            Some((before, _, span)) if before.image.as_deref() == Some(image) => span,
            _ => push(text, image),
        });
        span(words, image.unwrap_or(Span { start: 0, len: 0 }));
        before = Some((
            facts,
            first_label,
            image.unwrap_or(Span { start: 0, len: 0 }),
        ));
        timestamp(words, container.created);
        // The contract's states in the contract's order, which the host's enum follows.
        let mut state = container.state as u32;
        if image.is_some() {
            state |= IMAGE_KNOWN;
        }
        if facts.finished.is_some() {
            state |= FINISHED_KNOWN;
        }
        words.push(state);
        timestamp(
            words,
            facts.finished.unwrap_or(Timestamp {
                seconds: 0,
                nanoseconds: 0,
            }),
        );
    }
    u32::try_from(listing.text.len()).ok()?;
    Some(listing)
}

/// Appends a span's two words.
fn span(words: &mut Vec<u32>, span: Span) {
    words.extend(words_of(span));
}

/// A span's two words.
fn words_of(span: Span) -> [u32; 2] {
    [span.start, span.len]
}

/// Appends a timestamp's three words: the seconds' low and high word, the nanoseconds.
fn timestamp(words: &mut Vec<u32>, time: Timestamp) {
    let seconds = time.seconds as u64;
    words.extend([seconds as u32, (seconds >> 32) as u32, time.nanoseconds]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packed::tests::container;

    fn facts(id: &str, image: Option<&str>, labels: &[(&str, &str)]) -> ContainerFacts {
        ContainerFacts {
            container: container(id, labels),
            image: image.map(str::to_string),
            finished: None,
        }
    }

    /// The text a span's two words name.
    fn text<'a>(listing: &'a ContainerListing, words: &[u32]) -> &'a str {
        let start = words[0] as usize;
        &listing.text[start..start + words[1] as usize]
    }

    #[test]
    fn a_string_the_container_before_has_at_the_same_place_is_written_once() {
        let listing = pack(&[
            facts("a1", Some("web"), &[("project", "shop"), ("env", "prod")]),
            facts("b2", Some("web"), &[("project", "shop"), ("env", "dev")]),
            facts("c3", Some("db"), &[("env", "dev"), ("project", "shop")]),
        ])
        .expect("it fits");

        assert_eq!(
            listing.text,
            "a1-nameprojectshopenvproda1web\
             b2-namedevb2\
             c3-nameenvdevprojectshopc3db"
        );
        let labels: Vec<(&str, &str)> = listing
            .labels
            .chunks(4)
            .map(|words| (text(&listing, &words[..2]), text(&listing, &words[2..])))
            .collect();
        assert_eq!(
            labels,
            [
                ("project", "shop"),
                ("env", "prod"),
                ("project", "shop"),
                ("env", "dev"),
                ("env", "dev"),
                ("project", "shop"),
            ]
        );
        let images: Vec<&str> = listing
            .containers
            .chunks(CONTAINER_WORDS)
            .map(|words| text(&listing, &words[6..8]))
            .collect();
        assert_eq!(images, ["web", "web", "db"]);
    }
}
