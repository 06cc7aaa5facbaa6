//! The emulator's buckets: objects with generations, and the listing rules of the JSON API
//! (prefix, delimiter, offsets, paging).
//!
//! Kept apart from HTTP so the listing rules, which are easy to get subtly wrong, can be tested
//! directly.

use std::collections::BTreeMap;
use std::ops::Bound;

use jiff::Timestamp;
use md5::{Digest, Md5};

/// One object as it is stored: the newest generation only, like a bucket without versioning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub name: String,
    pub bytes: Vec<u8>,
    pub generation: i64,
    pub metageneration: i64,
    pub content_type: String,
    /// When this generation was written; GCS reports it as both `timeCreated` and `updated`.
    pub written_at: Timestamp,
    pub md5: [u8; 16],
}

/// Where a listing resumes: after an object, or after every object under a folded prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResumePoint {
    AfterObject(String),
    AfterPrefix(String),
}

/// The parameters of `objects.list` that shape the result.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub prefix: String,
    pub delimiter: Option<String>,
    pub start_offset: Option<String>,
    pub end_offset: Option<String>,
    pub max_results: usize,
    pub resume: Option<ResumePoint>,
}

/// One page of `objects.list`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListPage {
    pub items: Vec<StoredObject>,
    pub prefixes: Vec<String>,
    /// Set only when more entries follow this page.
    pub resume: Option<ResumePoint>,
}

#[derive(Debug, Default)]
pub struct Store {
    buckets: BTreeMap<String, BTreeMap<String, StoredObject>>,
    last_generation: i64,
}

impl Store {
    /// Writes a new generation of an object and returns it. Generations are microsecond
    /// timestamps like GCS's, forced to increase even when the clock stands still.
    pub fn put(&mut self, bucket: &str, name: &str, bytes: Vec<u8>, now: Timestamp) -> i64 {
        let generation = now.as_microsecond().max(self.last_generation + 1);
        self.last_generation = generation;
        let object = StoredObject {
            name: name.to_string(),
            md5: Md5::digest(&bytes).into(),
            bytes,
            generation,
            metageneration: 1,
            content_type: content_type_for(name).to_string(),
            written_at: now,
        };
        self.buckets
            .entry(bucket.to_string())
            .or_default()
            .insert(name.to_string(), object);
        generation
    }

    /// Removes an object; says whether it existed.
    pub fn delete(&mut self, bucket: &str, name: &str) -> bool {
        self.buckets
            .get_mut(bucket)
            .is_some_and(|objects| objects.remove(name).is_some())
    }

    pub fn bucket_exists(&self, bucket: &str) -> bool {
        self.buckets.contains_key(bucket)
    }

    pub fn get(&self, bucket: &str, name: &str) -> Option<&StoredObject> {
        self.buckets.get(bucket)?.get(name)
    }

    /// One page of a listing in lexicographic order, or `None` when the bucket does not exist.
    /// Items and folded prefixes together count towards `max_results`, as in GCS.
    pub fn list(&self, bucket: &str, query: &ListQuery) -> Option<ListPage> {
        let objects = self.buckets.get(bucket)?;
        let mut page = ListPage::default();
        let mut taken = 0;
        let candidates = objects
            .range::<str, _>((lower_bound(query), Bound::Unbounded))
            .map(|(_, object)| object)
            .take_while(|object| object.name.starts_with(&query.prefix))
            .take_while(|object| {
                query
                    .end_offset
                    .as_ref()
                    .is_none_or(|end| object.name < *end)
            })
            .filter(|object| match &query.resume {
                Some(ResumePoint::AfterPrefix(prefix)) => !object.name.starts_with(prefix),
                _ => true,
            });
        for object in candidates {
            let folded = query
                .delimiter
                .as_deref()
                .and_then(|delimiter| folded_prefix(&object.name, &query.prefix, delimiter));
            if let Some(prefix) = folded
                && page.prefixes.last().is_some_and(|last| last == prefix)
            {
                continue;
            }
            if taken == query.max_results {
                page.resume = page_end(&page);
                break;
            }
            taken += 1;
            match folded {
                Some(prefix) => page.prefixes.push(prefix.to_string()),
                None => page.items.push(object.clone()),
            }
        }
        Some(page)
    }
}

/// The first name a listing may return: the greatest of the prefix, `startOffset` and the
/// resume point.
fn lower_bound(query: &ListQuery) -> Bound<&str> {
    let start = match query.start_offset.as_deref() {
        Some(offset) if offset > query.prefix.as_str() => offset,
        _ => query.prefix.as_str(),
    };
    match &query.resume {
        Some(ResumePoint::AfterObject(name)) if name.as_str() >= start => Bound::Excluded(name),
        Some(ResumePoint::AfterPrefix(prefix)) if prefix.as_str() >= start => {
            Bound::Included(prefix)
        }
        _ => Bound::Included(start),
    }
}

/// With a delimiter, `logs/job/123/started.json` under prefix `logs/job/` folds into
/// `logs/job/123/`.
fn folded_prefix<'a>(name: &'a str, prefix: &str, delimiter: &str) -> Option<&'a str> {
    let rest = &name[prefix.len()..];
    let at = rest.find(delimiter)?;
    Some(&name[..prefix.len() + at + delimiter.len()])
}

/// The entry a full page ended on, which the next page starts after.
fn page_end(page: &ListPage) -> Option<ResumePoint> {
    let last_item = page.items.last().map(|object| object.name.as_str());
    let last_prefix = page.prefixes.last().map(String::as_str);
    match (last_item, last_prefix) {
        (Some(item), Some(prefix)) if prefix > item => {
            Some(ResumePoint::AfterPrefix(prefix.to_string()))
        }
        (Some(item), _) => Some(ResumePoint::AfterObject(item.to_string())),
        (None, Some(prefix)) => Some(ResumePoint::AfterPrefix(prefix.to_string())),
        (None, None) => None,
    }
}

/// What GCS would have been told at upload time; the Prow uploaders set these types.
fn content_type_for(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, extension)| extension) {
        Some("json") => "application/json",
        Some("txt" | "log") => "text/plain; charset=utf-8",
        Some("xml") => "application/xml",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_with(names: &[&str]) -> Store {
        let mut store = Store::default();
        for name in names {
            store.put("b", name, name.as_bytes().to_vec(), Timestamp::UNIX_EPOCH);
        }
        store
    }

    fn query(prefix: &str, delimiter: Option<&str>, max_results: usize) -> ListQuery {
        ListQuery {
            prefix: prefix.to_string(),
            delimiter: delimiter.map(str::to_string),
            max_results,
            ..ListQuery::default()
        }
    }

    fn names(page: &ListPage) -> Vec<&str> {
        page.items
            .iter()
            .map(|object| object.name.as_str())
            .collect()
    }

    #[test]
    fn a_delimiter_folds_folders_into_prefixes_and_keeps_direct_objects_as_items() {
        let store = store_with(&[
            "logs/job/1/started.json",
            "logs/job/1/finished.json",
            "logs/job/2/started.json",
            "logs/job/latest-build.txt",
            "logs/other/1/started.json",
        ]);
        let page = store
            .list("b", &query("logs/job/", Some("/"), 1000))
            .unwrap();
        assert_eq!(page.prefixes, ["logs/job/1/", "logs/job/2/"]);
        assert_eq!(names(&page), ["logs/job/latest-build.txt"]);
        assert_eq!(page.resume, None);
    }

    #[test]
    fn pages_count_items_and_prefixes_together_and_resume_where_they_stopped() {
        let store = store_with(&["p/a/1", "p/a/2", "p/b", "p/c/1", "p/d", "p/e/1"]);
        let mut listing = query("p/", Some("/"), 2);
        let mut seen_prefixes = Vec::new();
        let mut seen_items = Vec::new();
        let mut pages = 0;
        loop {
            let page = store.list("b", &listing).unwrap();
            pages += 1;
            seen_prefixes.extend(page.prefixes.clone());
            seen_items.extend(names(&page).into_iter().map(str::to_string));
            match page.resume {
                Some(resume) => listing.resume = Some(resume),
                None => break,
            }
        }
        assert_eq!(pages, 3);
        assert_eq!(seen_prefixes, ["p/a/", "p/c/", "p/e/"]);
        assert_eq!(seen_items, ["p/b", "p/d"]);
    }

    #[test]
    fn resuming_after_an_object_does_not_skip_longer_names_that_start_with_it() {
        let store = store_with(&["a/b", "a/b2", "a/c"]);
        let mut listing = query("a/", None, 1);
        let first = store.list("b", &listing).unwrap();
        assert_eq!(names(&first), ["a/b"]);
        listing.resume = first.resume;
        assert_eq!(names(&store.list("b", &listing).unwrap()), ["a/b2"]);
    }

    #[test]
    fn offsets_bound_the_names_and_start_offset_inside_a_folder_still_lists_that_folder() {
        let store = store_with(&["l/1/a", "l/2/a", "l/3/a", "l/4/a"]);
        let mut listing = query("l/", Some("/"), 1000);
        listing.start_offset = Some("l/2/".to_string());
        listing.end_offset = Some("l/4".to_string());
        assert_eq!(
            store.list("b", &listing).unwrap().prefixes,
            ["l/2/", "l/3/"]
        );
    }

    #[test]
    fn every_write_gets_a_newer_generation_even_when_the_clock_stands_still() {
        let mut store = Store::default();
        let first = store.put("b", "x", b"1".to_vec(), Timestamp::UNIX_EPOCH);
        let second = store.put("b", "x", b"2".to_vec(), Timestamp::UNIX_EPOCH);
        assert!(second > first);
        assert_eq!(store.get("b", "x").unwrap().bytes, b"2");
        assert!(store.delete("b", "x"));
        assert!(!store.delete("b", "x"));
        assert!(store.list("missing", &query("", None, 10)).is_none());
    }
}
