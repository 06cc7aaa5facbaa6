//! The Block Kit limits Slack enforces on a message, so that a message gatebot builds too big
//! fails here as it would in production instead of only in front of users.
//!
//! Slack answers a breach with `invalid_blocks` and a list of `errors` naming the offending
//! field by JSON pointer, e.g. `must be less than 3001 characters
//! [json-pointer:/blocks/0/text/text]`. The limits are those of Slack's Block Kit reference and
//! of its official SDKs' block models.

use serde_json::Value;

/// Blocks per message (docs: "up to 50 blocks in each message").
pub(super) const MAX_BLOCKS: usize = 50;
const MAX_SECTION_TEXT: usize = 3000;
const MAX_SECTION_FIELDS: usize = 10;
const MAX_FIELD_TEXT: usize = 2000;
const MAX_HEADER_TEXT: usize = 150;
const MAX_ACTION_ELEMENTS: usize = 25;
const MAX_BUTTON_TEXT: usize = 75;
const MAX_BUTTON_VALUE: usize = 2000;
const MAX_URL: usize = 3000;
const MAX_ID: usize = 255;

/// Every limit `blocks` breaks, as Slack words them; empty when the blocks are acceptable.
pub(super) fn violations(blocks: &[Value]) -> Vec<String> {
    let mut found = Vec::new();
    if blocks.len() > MAX_BLOCKS {
        found.push(too_many(MAX_BLOCKS, "/blocks"));
    }
    for (index, block) in blocks.iter().enumerate() {
        let at = format!("/blocks/{index}");
        let Some(kind) = block.get("type").and_then(Value::as_str) else {
            found.push(format!("missing required field: type [json-pointer:{at}]"));
            continue;
        };
        check_len(&mut found, block, &at, "/block_id", MAX_ID);
        match kind {
            "section" => check_section(&mut found, block, &at),
            "header" => check_len(&mut found, block, &at, "/text/text", MAX_HEADER_TEXT),
            "actions" => check_actions(&mut found, block, &at),
            _ => {}
        }
    }
    found
}

fn check_section(found: &mut Vec<String>, block: &Value, at: &str) {
    check_len(found, block, at, "/text/text", MAX_SECTION_TEXT);
    let fields = block.get("fields").and_then(Value::as_array);
    for (index, _) in fields.into_iter().flatten().enumerate() {
        check_len(
            found,
            block,
            at,
            &format!("/fields/{index}/text"),
            MAX_FIELD_TEXT,
        );
    }
    if fields.is_some_and(|fields| fields.len() > MAX_SECTION_FIELDS) {
        found.push(too_many(MAX_SECTION_FIELDS, &format!("{at}/fields")));
    }
}

fn check_actions(found: &mut Vec<String>, block: &Value, at: &str) {
    let elements = block.get("elements").and_then(Value::as_array);
    if elements.is_some_and(|elements| elements.len() > MAX_ACTION_ELEMENTS) {
        found.push(too_many(MAX_ACTION_ELEMENTS, &format!("{at}/elements")));
    }
    for (index, _) in elements.into_iter().flatten().enumerate() {
        let element = format!("/elements/{index}");
        check_len(found, block, at, &format!("{element}/action_id"), MAX_ID);
        check_len(
            found,
            block,
            at,
            &format!("{element}/text/text"),
            MAX_BUTTON_TEXT,
        );
        check_len(
            found,
            block,
            at,
            &format!("{element}/value"),
            MAX_BUTTON_VALUE,
        );
        check_len(found, block, at, &format!("{element}/url"), MAX_URL);
    }
}

/// Records a breach if the string at `pointer` inside `block` has more than `max` characters.
fn check_len(found: &mut Vec<String>, block: &Value, at: &str, pointer: &str, max: usize) {
    let length = block
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(|text| text.chars().count());
    if length.is_some_and(|length| length > max) {
        found.push(format!(
            "must be less than {} characters [json-pointer:{at}{pointer}]",
            max + 1
        ));
    }
}

fn too_many(max: usize, pointer: &str) -> String {
    format!("no more than {max} items allowed [json-pointer:{pointer}]")
}

/// Gives every block without a `block_id` one, as Slack does when it stores a message.
pub(super) fn assign_block_ids(blocks: &mut [Value], mut next_id: impl FnMut() -> String) {
    for block in blocks.iter_mut().filter_map(Value::as_object_mut) {
        if !block.contains_key("block_id") {
            block.insert("block_id".into(), Value::String(next_id()));
        }
    }
}

/// The block holding the interactive element `action_id`, and that element.
pub(super) fn find_action<'a>(
    blocks: &'a [Value],
    action_id: &str,
) -> Option<(&'a Value, &'a Value)> {
    blocks.iter().find_map(|block| {
        let elements = block.get("elements")?.as_array()?;
        let element = elements
            .iter()
            .find(|element| element.get("action_id").and_then(Value::as_str) == Some(action_id))?;
        Some((block, element))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn section(text: &str) -> Value {
        json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    }

    #[test]
    fn fifty_blocks_pass_and_fifty_one_do_not() {
        let fifty: Vec<Value> = (0..50).map(|_| section("ok")).collect();
        assert!(violations(&fifty).is_empty());
        let fifty_one: Vec<Value> = (0..51).map(|_| section("ok")).collect();
        assert_eq!(
            violations(&fifty_one),
            ["no more than 50 items allowed [json-pointer:/blocks]"]
        );
    }

    #[test]
    fn a_section_text_over_3000_characters_is_named_by_pointer() {
        let blocks = [section("ok"), section(&"é".repeat(3001))];
        assert_eq!(
            violations(&blocks),
            ["must be less than 3001 characters [json-pointer:/blocks/1/text/text]"]
        );
        assert!(violations(&[section(&"é".repeat(3000))]).is_empty());
    }

    #[test]
    fn headers_buttons_and_missing_types_are_checked() {
        let blocks = [
            json!({"type": "header", "text": {"type": "plain_text", "text": "h".repeat(151)}}),
            json!({"type": "actions", "elements": [
                {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "ok"},
                 "value": "v".repeat(2001)}
            ]}),
            json!({"text": "no type"}),
        ];
        assert_eq!(
            violations(&blocks),
            [
                "must be less than 151 characters [json-pointer:/blocks/0/text/text]",
                "must be less than 2001 characters [json-pointer:/blocks/1/elements/0/value]",
                "missing required field: type [json-pointer:/blocks/2]",
            ]
        );
    }

    #[test]
    fn block_ids_are_kept_or_assigned_and_actions_are_found() {
        let mut blocks = vec![
            json!({"type": "actions", "block_id": "mine", "elements": [{"type": "button", "action_id": "approve"}]}),
            section("no id"),
        ];
        assign_block_ids(&mut blocks, || "auto".into());
        assert_eq!(blocks[0]["block_id"], "mine");
        assert_eq!(blocks[1]["block_id"], "auto");
        let (block, element) = find_action(&blocks, "approve").unwrap();
        assert_eq!(
            (block["block_id"].as_str(), element["type"].as_str()),
            (Some("mine"), Some("button"))
        );
        assert!(find_action(&blocks, "reject").is_none());
    }
}
