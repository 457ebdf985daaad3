//! Where pruner's own `prune` events go when it prunes a real engine: the Engine API has no way
//! to post events into dockerd's stream, so they go to a log line or to a file of JSON lines in
//! the shape `docker events --format '{{json .}}'` prints.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use pruner_runtime::backend::EventLog;
use pruner_runtime::events::EventMessage;

/// Events as log lines at DEBUG level through `tracing` (target `pruner::events`), each the
/// event's JSON.
#[derive(Clone, Copy, Debug, Default)]
pub struct TracingEvents;

impl EventLog for TracingEvents {
    fn log(&self, event: EventMessage) {
        match serde_json::to_string(&event) {
            Ok(json) => tracing::debug!(target: "pruner::events", "event {json}"),
            Err(err) => tracing::warn!("cannot encode event: {err}"),
        }
    }
}

/// Events appended to a file, one JSON object per line (Docker's event shape).
#[derive(Debug)]
pub struct JsonLinesEvents {
    path: PathBuf,
    file: Mutex<File>,
}

impl JsonLinesEvents {
    /// Opens `path` for appending, creating it when missing.
    pub fn open(path: &Path) -> std::io::Result<JsonLinesEvents> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(JsonLinesEvents {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }
}

impl EventLog for JsonLinesEvents {
    /// Appends the event as one line, written whole; a failure is logged as a warning (an event
    /// never fails a prune, as in Docker).
    fn log(&self, event: EventMessage) {
        let result = serde_json::to_string(&event)
            .map_err(std::io::Error::other)
            .and_then(|mut line| {
                line.push('\n');
                let mut file = self
                    .file
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                file.write_all(line.as_bytes())?;
                file.flush()
            });
        if let Err(err) = result {
            tracing::warn!("cannot write event to {}: {err}", self.path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::DateTime;

    use super::*;
    use pruner_runtime::events::Actor;

    #[test]
    fn events_are_appended_as_json_lines_in_dockers_shape() {
        let dir = std::env::temp_dir().join(format!("pruner-events-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("events.jsonl");
        std::fs::write(&path, "{\"earlier\":true}\n").unwrap();
        let time = DateTime::parse_from_rfc3339("2026-11-27T12:00:00.5Z").unwrap();
        let sink = JsonLinesEvents::open(&path).unwrap();
        for kind in ["container", "network"] {
            let actor = Actor {
                id: String::new(),
                attributes: BTreeMap::from([("reclaimed".to_string(), "0".to_string())]),
            };
            sink.log(EventMessage::local(kind, "prune", actor, time));
        }
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "{\"earlier\":true}\n\
             {\"status\":\"prune\",\"Type\":\"container\",\"Action\":\"prune\",\"Actor\":{\"ID\":\"\",\
             \"Attributes\":{\"reclaimed\":\"0\"}},\"scope\":\"local\",\"time\":1795780800,\
             \"timeNano\":1795780800500000000}\n\
             {\"Type\":\"network\",\"Action\":\"prune\",\"Actor\":{\"ID\":\"\",\
             \"Attributes\":{\"reclaimed\":\"0\"}},\"scope\":\"local\",\"time\":1795780800,\
             \"timeNano\":1795780800500000000}\n"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
