//! The `--profile` flags as a `clap::Args` struct (feature `clap`), for
//! programs that parse their command line with clap.

use super::flags::{self, ProfileFlags};
use super::Config;
use crate::state::level::Level;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use std::path::PathBuf;

/// The `--profile`, `--profile-level` and `--profile-out` flags for a clap
/// parser: flatten it into yours, then turn it into [`ProfileFlags`].
///
/// ```
/// use clap::Parser;
/// use profiler_runtime::{Level, ProfileArgs, ProfileFlags};
///
/// #[derive(Parser)]
/// struct Cli {
///     input: String,
///     #[command(flatten)]
///     profile: ProfileArgs,
/// }
///
/// let cli = Cli::try_parse_from(["app", "data.csv", "--profile-level", "full"]).unwrap();
/// let flags = ProfileFlags::from(cli.profile);
/// assert!(flags.profile); // implied by --profile-level
/// assert_eq!(flags.level, Some(Level::Full));
/// // then: flags.apply(profiler_runtime::global())?;
/// ```
#[derive(clap::Args, Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProfileArgs {
    /// Profile this run and report where its time went
    #[arg(long = "profile")]
    pub profile: bool,
    /// What to record: basic, detailed or full (implies --profile)
    #[arg(
        long = "profile-level",
        value_name = "LEVEL",
        value_parser = PossibleValuesParser::new(["basic", "detailed", "full"])
            .try_map(|text| flags::level(&text)),
    )]
    pub profile_level: Option<Level>,
    /// Write each session's report to FILE: JSON if it ends in .json, else text (implies --profile)
    #[arg(long = "profile-out", value_name = "FILE", value_parser = flags::out_path)]
    pub profile_out: Option<PathBuf>,
}

impl From<ProfileArgs> for ProfileFlags {
    fn from(args: ProfileArgs) -> ProfileFlags {
        ProfileFlags {
            profile: args.profile || args.profile_level.is_some() || args.profile_out.is_some(),
            level: args.profile_level,
            out: args.profile_out,
        }
    }
}

impl ProfileArgs {
    /// The flags as a [`Config`] (see [`ProfileFlags::config`]).
    pub fn config(&self) -> Config {
        ProfileFlags::from(self.clone()).config()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser, Debug)]
    struct Cli {
        #[arg(long)]
        verbose: bool,
        #[command(flatten)]
        profile: ProfileArgs,
    }

    fn flags(args: &[&str]) -> Result<ProfileFlags, String> {
        Cli::try_parse_from(args).map(|cli| cli.profile.into()).map_err(|e| e.to_string())
    }

    #[test]
    fn the_flattened_flags_read_like_the_plain_parser() {
        for args in [
            &["app", "--profile", "--profile-level", "detailed", "--profile-out", "r.txt"][..],
            &["app", "--profile-level=detailed", "--profile-out=r.txt"][..],
        ] {
            let plain = ProfileFlags::from_args(args.iter().copied()).unwrap().0;
            assert_eq!(flags(args).unwrap(), plain, "{args:?}");
        }
        assert_eq!(flags(&["app", "--verbose"]).unwrap(), ProfileFlags::default());
    }

    #[test]
    fn a_bad_level_is_refused_with_the_allowed_ones() {
        let message = flags(&["app", "--profile-level", "loud"]).unwrap_err();
        assert!(message.contains("loud") && message.contains("--profile-level"), "{message}");
    }
}
