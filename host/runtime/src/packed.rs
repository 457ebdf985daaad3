//! `container-store.list-packed`: a listing of containers packed into one text and spans of
//! it, which the canonical ABI copies into the component in a handful of allocations instead
//! of one call into the component's allocator for each string and list.

use crate::bindings::Container;
use crate::bindings::pruner::api::container_store::{
    ContainerListing, PackedContainer, PackedLabel, Span,
};

/// `containers` packed, or `None` if the text or the labels would outgrow the 32-bit offsets
/// and counts of the component's memory.
pub fn pack(containers: &[Container]) -> Option<ContainerListing> {
    let labels: usize = containers.iter().map(|c| c.labels.len()).sum();
    let text_len = containers
        .iter()
        .map(|c| {
            c.id.len()
                + c.labels
                    .iter()
                    .map(|l| l.key.len() + l.value.len())
                    .sum::<usize>()
        })
        .sum();
    u32::try_from(text_len).ok()?;
    u32::try_from(labels).ok()?;
    let mut listing = ContainerListing {
        text: String::with_capacity(text_len),
        containers: Vec::with_capacity(containers.len()),
        labels: Vec::with_capacity(labels),
    };
    for container in containers {
        // Both fit in `u32`: no more than `labels`, checked above.
        let first_label = listing.labels.len() as u32;
        for label in &container.labels {
            let key = push(&mut listing.text, &label.key);
            let value = push(&mut listing.text, &label.value);
            listing.labels.push(PackedLabel { key, value });
        }
        let id = push(&mut listing.text, &container.id);
        listing.containers.push(PackedContainer {
            id,
            created: container.created,
            state: container.state,
            first_label,
            label_count: container.labels.len() as u32,
        });
    }
    Some(listing)
}

/// Appends `s` to `text`; its span there, right if the whole text fits in `u32`, which the
/// caller checks, as [`pack`] does before writing it (the SDK's packed policy listing is built
/// with it too, and checked after).
pub(crate) fn push(text: &mut String, s: &str) -> Span {
    let start = text.len() as u32;
    text.push_str(s);
    Span {
        start,
        len: s.len() as u32,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::bindings::{ContainerState, Label, Timestamp};

    /// A paused container named `<id>-name` with `labels`.
    pub(crate) fn container(id: &str, labels: &[(&str, &str)]) -> Container {
        Container {
            id: id.to_string(),
            names: vec![format!("{id}-name")],
            created: Timestamp {
                seconds: 7,
                nanoseconds: 9,
            },
            state: ContainerState::Paused,
            labels: labels
                .iter()
                .map(|(key, value)| Label {
                    key: key.to_string(),
                    value: value.to_string(),
                })
                .collect(),
        }
    }

    fn span(start: u32, len: u32) -> Span {
        Span { start, len }
    }

    #[test]
    fn every_string_is_a_span_of_one_text_and_labels_a_range_of_one_list() {
        let listing = pack(&[
            container("a1", &[("k", "v"), ("env", "")]),
            container("b2", &[]),
            container("c3", &[("x", "yz")]),
        ])
        .unwrap();

        assert_eq!(listing.text, "kvenva1b2xyzc3");
        assert_eq!(
            listing.labels,
            [
                PackedLabel {
                    key: span(0, 1),
                    value: span(1, 1)
                },
                PackedLabel {
                    key: span(2, 3),
                    value: span(5, 0)
                },
                PackedLabel {
                    key: span(9, 1),
                    value: span(10, 2)
                },
            ]
        );
        let created = Timestamp {
            seconds: 7,
            nanoseconds: 9,
        };
        let packed = |id, first_label, label_count| PackedContainer {
            id,
            created,
            state: ContainerState::Paused,
            first_label,
            label_count,
        };
        assert_eq!(
            listing.containers,
            [
                packed(span(5, 2), 0, 2),
                packed(span(7, 2), 2, 0),
                packed(span(12, 2), 2, 1),
            ]
        );
    }

    #[test]
    fn an_empty_listing_packs_to_nothing() {
        let listing = pack(&[]).unwrap();

        assert_eq!(listing.text, "");
        assert_eq!(listing.containers, []);
        assert_eq!(listing.labels, []);
    }
}
