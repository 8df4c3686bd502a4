//! The `--profile` flags, read by a parser with no dependency: it takes the
//! three flags out of a program's arguments and hands the rest back, and
//! refuses an argument that looks like one of them but is not.

use super::value::{self, LEVEL_ALLOWED};
use super::{out, suggest, Config};
use crate::state::level::Level;
use crate::{ConfigSource, Error};
use std::path::PathBuf;

/// Switches profiling on.
pub const PROFILE_FLAG: &str = "--profile";
/// Sets the level (and switches profiling on).
pub const PROFILE_LEVEL_FLAG: &str = "--profile-level";
/// Sets the output path (and switches profiling on).
pub const PROFILE_OUT_FLAG: &str = "--profile-out";

const OUT_ALLOWED: &str = "a file path (.json for JSON, any other name for the text summary)";

/// The three flags, in the order their errors list them.
const FLAGS: &[&str] = &[PROFILE_FLAG, PROFILE_LEVEL_FLAG, PROFILE_OUT_FLAG];

/// Edits (once case, dashes and underscores are set aside) within which an
/// argument is taken for a mistyped flag: `--profile-levle` is two away;
/// `--prefix`, three from `--profile`, is another word.
const LOOK_ALIKE_EDITS: usize = 2;

/// What a program's `--profile` flags asked for.
///
/// - `--profile`: profile this run.
/// - `--profile-level basic|detailed|full` (or `--profile-level=full`): at
///   this level; implies `--profile`.
/// - `--profile-out FILE` (or `--profile-out=FILE`): write each ended
///   session's report there (`.json`: JSON, with the `json` feature; any
///   other name: the text summary); implies `--profile`.
///
/// Profiling is opt-in: [`ProfileFlags::apply`] switches recording off for
/// the whole process ([`disable`](crate::disable)) when neither a flag nor
/// the environment (`PROFILER=1`, ...) asks for it, so instrumented calls
/// cost the disabled path. How flags, environment and code settle each
/// setting is one rule: see [`Config`'s precedence](crate::Config#precedence).
///
/// ```
/// use profiler_runtime::{Level, ProfileFlags};
///
/// let args = ["app", "--profile-level=detailed", "input.csv", "--", "--profile"];
/// let (flags, rest) = ProfileFlags::from_args(args)?;
/// assert!(flags.profile); // implied by --profile-level
/// assert_eq!(flags.level, Some(Level::Detailed));
/// assert_eq!(rest, ["app", "input.csv", "--", "--profile"]); // untouched after `--`
///
/// // A mistyped flag is an error naming the flag it resembles.
/// let err = ProfileFlags::from_args(["app", "--profile-levle=full"]).unwrap_err();
/// assert!(err.to_string().starts_with("unknown flag --profile-levle: did you mean --profile-level?"));
/// # Ok::<(), profiler_runtime::Error>(())
/// ```
///
/// In `main`, before the program reads its own arguments:
///
/// ```no_run
/// fn main() -> Result<(), profiler_runtime::Error> {
///     let (flags, args) = profiler_runtime::ProfileFlags::from_args(std::env::args())?;
///     flags.apply(profiler_runtime::global())?;
///     // ... the program reads `args` ...
///     # drop(args);
///     Ok(())
/// }
/// ```
///
/// A bad flag then ends the program with `Error: ` and the message (the
/// error's `Debug` is its message). With the `clap` feature, `ProfileArgs`
/// gives clap users the same flags.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProfileFlags {
    /// Whether to profile: `--profile`, or either of the other two flags.
    pub profile: bool,
    /// `--profile-level`.
    pub level: Option<Level>,
    /// `--profile-out`.
    pub out: Option<PathBuf>,
}

impl ProfileFlags {
    /// Takes the `--profile` flags out of `args` and returns them with the
    /// other arguments, in their order (the program's name, not being a
    /// flag, stays first). Nothing after `--` is read: it is returned as it
    /// is, `--` included.
    ///
    /// A flag given twice, a value that is not allowed, a missing value (the
    /// flag last, or followed by another flag) and a value given to
    /// `--profile` are errors naming the flag and what it allows. So is an
    /// argument that looks like one of the flags without being it (in
    /// another case, with `_` for `-`, one dash or three, or within two
    /// typos: `--Profile`, `--profile_out`, `--profile-levle`): the error
    /// names the flag it resembles. A program whose own flags resemble
    /// these, or that hands its arguments on to another program, reads them
    /// with [`ProfileFlags::from_args_passing_unknown`] instead.
    ///
    /// ```
    /// use profiler_runtime::ProfileFlags;
    ///
    /// let err = ProfileFlags::from_args(["app", "--profile-level", "loud"]).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     r#"--profile-level "loud" is not allowed: give basic, detailed or full"#
    /// );
    /// let err = ProfileFlags::from_args(["app", "--profile-out"]).unwrap_err();
    /// assert!(err.to_string().starts_with("--profile-out needs a value"));
    /// let err = ProfileFlags::from_args(["app", "--Profile"]).unwrap_err();
    /// assert!(err.to_string().starts_with("unknown flag --Profile: did you mean --profile?"));
    /// ```
    pub fn from_args<I, S>(args: I) -> Result<(ProfileFlags, Vec<String>), Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ProfileFlags::parse(args, LookAlikes::Refuse)
    }

    /// [`ProfileFlags::from_args`], except that an argument that looks like
    /// one of the flags without being it is handed back with the rest
    /// instead of being an error: the opt-in for programs with flags of
    /// their own that resemble these (`--profiles`), or that pass their
    /// arguments on to another program. Such a program checks the
    /// arguments it gets back itself.
    ///
    /// ```
    /// use profiler_runtime::ProfileFlags;
    ///
    /// let (flags, rest) =
    ///     ProfileFlags::from_args_passing_unknown(["app", "--profiles", "a,b", "--profile"])?;
    /// assert!(flags.profile);
    /// assert_eq!(rest, ["app", "--profiles", "a,b"]);
    /// # Ok::<(), profiler_runtime::Error>(())
    /// ```
    pub fn from_args_passing_unknown<I, S>(args: I) -> Result<(ProfileFlags, Vec<String>), Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ProfileFlags::parse(args, LookAlikes::PassThrough)
    }

    fn parse<I, S>(args: I, look_alikes: LookAlikes) -> Result<(ProfileFlags, Vec<String>), Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut args = args.into_iter().map(Into::into).peekable();
        let mut flags = ProfileFlags::default();
        let mut rest = Vec::new();
        let mut seen = [false; 3];
        while let Some(arg) = args.next() {
            if arg == "--" {
                rest.push(arg);
                rest.extend(args);
                break;
            }
            let (name, inline) = match arg.split_once('=') {
                Some((name, v)) => (name, Some(v.to_owned())),
                None => (arg.as_str(), None),
            };
            let Some(which) = FLAGS.iter().position(|flag| *flag == name) else {
                if let (LookAlikes::Refuse, Some(flag)) = (look_alikes, look_alike(name)) {
                    return Err(Error::UnknownKey {
                        origin: ConfigSource::Flag,
                        key: name.to_owned(),
                        suggestion: Some(flag),
                        allowed: FLAGS,
                    });
                }
                rest.push(arg);
                continue;
            };
            if std::mem::replace(&mut seen[which], true) {
                return Err(Error::Repeated { origin: ConfigSource::Flag, key: name.to_owned() });
            }
            flags.profile = true;
            if which == 0 {
                if let Some(v) = inline {
                    return Err(bad(PROFILE_FLAG, v, "no value: --profile alone"));
                }
                continue;
            }
            // The value: after `=`, else the next argument unless it is a flag.
            let value = match inline {
                Some(v) => Some(v),
                None => args.next_if(|next| next == "-" || !next.starts_with('-')),
            };
            let allowed = if which == 1 { LEVEL_ALLOWED } else { OUT_ALLOWED };
            let Some(value) = value.filter(|v| !v.is_empty()) else {
                let key = name.to_owned();
                return Err(Error::MissingValue { origin: ConfigSource::Flag, key, allowed });
            };
            if which == 1 {
                flags.level = Some(level(&value)?);
            } else {
                flags.out = Some(out_path(&value)?);
            }
        }
        Ok((flags, rest))
    }

    /// The flags as a [`Config`]: `enabled` on when a flag asks to profile
    /// and unset without one (the absence of a flag is no vote against the
    /// environment's `PROFILER=1`), `level` and `out`. Put it over the
    /// environment's to let the command line win:
    /// `flags.config().over(Config::from_env()?)`.
    ///
    /// Switching recording off when nothing asks for it is
    /// [`ProfileFlags::apply`]'s part.
    pub fn config(&self) -> Config {
        Config {
            enabled: self.profile.then_some(true),
            level: self.level,
            out: self.out.clone(),
            ..Config::new()
        }
    }
}

/// Whether an argument that resembles a flag is refused or handed back.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LookAlikes {
    Refuse,
    PassThrough,
}

/// The flag that `name` (an argument up to its `=`), not being one, looks
/// like: a dashed word that is one of the flags in another case, with `_`
/// for `-`, behind other dashes (one, three, an en or em dash pasted from a
/// document), or [`LOOK_ALIKE_EDITS`] typos away.
fn look_alike(name: &str) -> Option<&'static str> {
    let word = name.trim_start_matches(['-', '\u{2013}', '\u{2014}']);
    if word.len() == name.len() || word.is_empty() {
        return None; // not a flag: a value, a file name, `-` alone
    }
    let spelled = format!("--{}", word.to_lowercase().replace('_', "-"));
    suggest::within(&spelled, FLAGS, LOOK_ALIKE_EDITS)
}

/// `--profile-level`'s value.
pub(crate) fn level(text: &str) -> Result<Level, Error> {
    value::level(text).ok_or_else(|| bad(PROFILE_LEVEL_FLAG, text.to_owned(), LEVEL_ALLOWED))
}

/// `--profile-out`'s value, unless it asks for a format this build lacks.
pub(crate) fn out_path(text: &str) -> Result<PathBuf, Error> {
    let path = PathBuf::from(text);
    match out::Format::of(&path).missing_feature() {
        None => Ok(path),
        Some(feature) => Err(Error::FeatureOff {
            origin: ConfigSource::Flag,
            key: PROFILE_OUT_FLAG.to_owned(),
            value: text.to_owned(),
            feature,
        }),
    }
}

fn bad(flag: &str, value: String, allowed: &'static str) -> Error {
    Error::Config { origin: ConfigSource::Flag, key: flag.to_owned(), value, allowed }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<(ProfileFlags, Vec<String>), String> {
        ProfileFlags::from_args(args.iter().copied()).map_err(|e| e.to_string())
    }

    #[test]
    fn no_flag_means_no_vote_and_every_argument_back() {
        let args = ["app", "-v", "--prefix", "x", "--profile-dir", "-", "profile", "--no-profile"];
        let (flags, rest) = parse(&args).unwrap();
        assert_eq!(flags, ProfileFlags::default());
        assert_eq!(rest, args);
        assert_eq!(flags.config(), Config::new(), "no flag sets nothing, `enabled` included");
    }

    #[test]
    fn a_look_alike_is_an_error_naming_the_flag_it_resembles() {
        let cases = [
            ("--profile-levle=full", "--profile-levle", "--profile-level"),
            ("--Profile", "--Profile", "--profile"),
            ("--PROFILE-OUT", "--PROFILE-OUT", "--profile-out"),
            ("--profile_out", "--profile_out", "--profile-out"),
            ("--profile_level=basic", "--profile_level", "--profile-level"),
            ("-profile", "-profile", "--profile"),
            ("---profile", "---profile", "--profile"),
            ("\u{2014}profile", "\u{2014}profile", "--profile"),
            ("--profiel", "--profiel", "--profile"),
            ("--profiles", "--profiles", "--profile"),
            ("--profile-lvl", "--profile-lvl", "--profile-level"),
        ];
        for (arg, name, flag) in cases {
            assert_eq!(
                parse(&["app", arg]).unwrap_err(),
                format!(
                    "unknown flag {name}: did you mean {flag}? \
                     (the profiling flags are --profile, --profile-level and --profile-out)"
                ),
                "{arg}"
            );
        }
        // After `--` nothing is read, look-alikes included.
        assert!(parse(&["app", "--", "--Profile"]).is_ok());
    }

    #[test]
    fn a_look_alike_holding_a_line_break_stays_one_line() {
        let err = parse(&["--profil\n"]).unwrap_err();
        assert!(err.starts_with("unknown flag --profil\\n: did you mean --profile?"), "{err}");
    }

    #[test]
    fn passing_unknown_hands_look_alikes_back_and_still_reads_the_flags() {
        let args = ["app", "--profiles", "--Profile", "--profile-out=r.txt"];
        let (flags, rest) = ProfileFlags::from_args_passing_unknown(args).unwrap();
        assert_eq!(rest, ["app", "--profiles", "--Profile"]);
        assert_eq!(flags.out, Some(PathBuf::from("r.txt")));
        // Bad values of the real flags are still errors.
        assert!(ProfileFlags::from_args_passing_unknown(["--profile-level", "x"]).is_err());
    }

    #[test]
    fn the_flags_are_removed_in_both_forms_and_the_rest_keeps_its_order() {
        let (flags, rest) = parse(&[
            "app",
            "a",
            "--profile",
            "b",
            "--profile-level",
            "full",
            "--profile-out=o.txt",
            "c",
        ])
        .unwrap();
        assert_eq!(rest, ["app", "a", "b", "c"]);
        assert!(flags.profile);
        assert_eq!(flags.level, Some(Level::Full));
        assert_eq!(flags.out, Some(PathBuf::from("o.txt")));
        let (flags, _) = parse(&["app", "--profile-level=basic", "--profile-out", "-"]).unwrap();
        assert_eq!((flags.level, flags.out), (Some(Level::Basic), Some(PathBuf::from("-"))));
    }

    #[test]
    fn a_level_or_an_output_implies_profile() {
        assert!(parse(&["--profile-level", "basic"]).unwrap().0.profile);
        assert!(parse(&["--profile-out", "r.txt"]).unwrap().0.profile);
        let config = parse(&["--profile-out", "r.txt"]).unwrap().0.config();
        assert_eq!(config, Config::new().enabled(true).out("r.txt"));
        assert_eq!(parse(&["--profile"]).unwrap().0.config(), Config::new().enabled(true));
    }

    #[test]
    fn nothing_after_the_separator_is_read() {
        let (flags, rest) = parse(&["app", "--", "--profile", "--profile-level=x"]).unwrap();
        assert!(!flags.profile);
        assert_eq!(rest, ["app", "--", "--profile", "--profile-level=x"]);
    }

    #[test]
    fn bad_missing_and_repeated_values_name_the_flag() {
        let cases: [(&[&str], &str); 7] = [
            (&["--profile-level", "loud"], r#"--profile-level "loud" is not allowed: give basic, detailed or full"#),
            (&["--profile-level=LOUD"], r#"--profile-level "LOUD" is not allowed: give basic, detailed or full"#),
            (&["--profile-level"], "--profile-level needs a value: give basic, detailed or full"),
            (&["--profile-level", "--profile"], "--profile-level needs a value: give basic, detailed or full"),
            (&["--profile-out="], "--profile-out needs a value: give a file path (.json for JSON, any other name for the text summary)"),
            (&["--profile=yes"], r#"--profile "yes" is not allowed: give no value: --profile alone"#),
            (&["--profile", "--profile"], "--profile is given more than once: give it once"),
        ];
        for (args, message) in cases {
            assert_eq!(parse(args).unwrap_err(), message, "{args:?}");
        }
    }

    #[test]
    fn a_json_output_needs_the_json_feature() {
        let result = parse(&["--profile-out", "run.json"]);
        assert_eq!(result.is_ok(), cfg!(feature = "json"), "{result:?}");
    }
}
