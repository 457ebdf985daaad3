//! `--policy NAME|FILE.wasm` and `--policy-opt key=value`: the prune policies of a run, each
//! with the options given after it (before the next `--policy`). They chain: an object is
//! pruned only when every policy lets it go.

use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};

/// The id and flag of `--policy`.
const POLICY: &str = "policy";
/// The id and flag of `--policy-opt`.
const POLICY_OPT: &str = "policy-opt";

/// The policy flags, in the order given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyFlags {
    flags: Vec<PolicyFlag>,
}

/// One policy flag.
#[derive(Clone, Debug, PartialEq, Eq)]
enum PolicyFlag {
    /// `--policy NAME|FILE.wasm`.
    Policy(String),
    /// `--policy-opt key=value`.
    Option(String),
}

/// A policy of the chain with its options, as given on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyArg {
    /// The shipped policy's name, or the policy file.
    pub policy: String,
    /// Its options: `key=value` split at the first `=`.
    pub options: Vec<(String, String)>,
}

impl PolicyFlags {
    /// Whether no policy flag was given.
    pub fn is_empty(&self) -> bool {
        self.flags.is_empty()
    }

    /// The chain: each `--policy` with the `--policy-opt`s that follow it. An option before
    /// any policy, or one without `=`, is a flag error (docker's wording).
    pub fn chain(&self) -> Result<Vec<PolicyArg>, String> {
        let mut chain: Vec<PolicyArg> = Vec::new();
        for flag in &self.flags {
            match flag {
                PolicyFlag::Policy(policy) => chain.push(PolicyArg {
                    policy: policy.clone(),
                    options: Vec::new(),
                }),
                PolicyFlag::Option(option) => {
                    let invalid = |why: &str| {
                        format!("invalid argument {option:?} for \"--policy-opt\" flag: {why}")
                    };
                    let Some(current) = chain.last_mut() else {
                        return Err(invalid("it must follow the --policy it is for"));
                    };
                    let Some((key, value)) = option.split_once('=') else {
                        return Err(invalid("expected key=value"));
                    };
                    current.options.push((key.to_string(), value.to_string()));
                }
            }
        }
        Ok(chain)
    }
}

impl FromArgMatches for PolicyFlags {
    fn from_arg_matches(matches: &ArgMatches) -> Result<PolicyFlags, clap::Error> {
        let mut flags: Vec<(usize, PolicyFlag)> = Vec::new();
        for (id, flag) in [
            (POLICY, PolicyFlag::Policy as fn(String) -> PolicyFlag),
            (POLICY_OPT, PolicyFlag::Option),
        ] {
            let (Some(values), Some(indices)) =
                (matches.get_many::<String>(id), matches.indices_of(id))
            else {
                continue;
            };
            flags.extend(indices.zip(values.cloned().map(flag)));
        }
        flags.sort_by_key(|(index, _)| *index);
        Ok(PolicyFlags {
            flags: flags.into_iter().map(|(_, flag)| flag).collect(),
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = PolicyFlags::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for PolicyFlags {
    fn augment_args(command: Command) -> Command {
        command
            .arg(
                Arg::new(POLICY)
                    .long(POLICY)
                    .value_name("name|file")
                    .action(ArgAction::Append)
                    .help(
                        "Prune only what this policy lets go: keep-recent, protect, \
                         exited-before, or a policy component file; repeatable, every policy \
                         must let an object go",
                    ),
            )
            .arg(
                Arg::new(POLICY_OPT)
                    .long(POLICY_OPT)
                    .value_name("key=value")
                    .action(ArgAction::Append)
                    .help("An option of the --policy before it (e.g. keep=3); repeatable"),
            )
    }

    fn augment_args_for_update(command: Command) -> Command {
        PolicyFlags::augment_args(command)
    }
}
