//! The shapes of Slack ids: channels (`C…`, `G…` for older private channels), members (`U…`,
//! `W…` on Enterprise Grid) and user groups (`S…`).
//!
//! Slack's API takes ids, never names, and a name where an id belongs fails only when gatebot
//! first posts or checks a role; the shape is enough to catch that at load.

use crate::config::problems::Invalid;

/// Characters after the leading letter: Slack's ids have 8 to 10 today; a little room is left.
const ID_LENGTHS: std::ops::RangeInclusive<usize> = 8..=20;

/// A channel id such as `C0123456789`.
pub fn channel_id(text: &str) -> Result<String, Invalid> {
    if has_shape(text, &['C', 'G']) {
        return Ok(text.to_string());
    }
    let hint = if text.starts_with('#') {
        " (that is the channel's name)"
    } else {
        ""
    };
    Err(Invalid::new(
        format!("`{text}` is not a Slack channel id{hint}"),
        "use the channel's id, which starts with `C` (or `G` for an older private channel) and \
         goes on in uppercase letters and digits, such as `C0123456789`; Slack shows it at the \
         bottom of the channel's details",
    ))
}

/// A member id (`U…`, `W…`) or a user-group id (`S…`).
pub fn member_or_group_id(text: &str) -> Result<String, Invalid> {
    if has_shape(text, &['U', 'W', 'S']) {
        return Ok(text.to_string());
    }
    Err(Invalid::new(
        format!("`{text}` is not a Slack member or user-group id"),
        "use a member id (`U…` or `W…`: in the person's profile, ⋮ → Copy member ID) or a \
         user-group id (`S…`), such as `U012AB3CD`",
    ))
}

fn has_shape(text: &str, first_letters: &[char]) -> bool {
    let mut characters = text.chars();
    let starts_well = characters
        .next()
        .is_some_and(|first| first_letters.contains(&first));
    let rest = characters.as_str();
    starts_well
        && ID_LENGTHS.contains(&rest.len())
        && rest
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_start_with_c_or_g_and_go_on_in_uppercase() {
        assert!(channel_id("C0123456789").is_ok());
        assert!(channel_id("G01234567").is_ok());
        assert!(channel_id("c0123456789").is_err());
        assert!(channel_id("C0123").is_err());
        assert!(channel_id("U0123456789").is_err());
        assert!(
            channel_id("#hyperfleet-releases")
                .unwrap_err()
                .message
                .ends_with("(that is the channel's name)")
        );
    }

    #[test]
    fn members_and_groups_have_their_own_letters() {
        for id in ["U012AB3CD", "W012AB3CD", "S0123ABCD"] {
            assert!(member_or_group_id(id).is_ok(), "{id}");
        }
        for id in ["@jdoe", "C0123456789", "U012ab3cd", "U1"] {
            assert!(member_or_group_id(id).is_err(), "{id}");
        }
    }
}
