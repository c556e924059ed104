//! RFC 7396 JSON merge patches, as `PATCH` endpoints and rebill requests apply them.

/// Applies `patch` to `target` (RFC 7396): objects merge, `null` removes, anything else
/// replaces. A `null` for a key the target lacks is kept, so that reading the result into
/// a type that refuses unknown fields still refuses a field no document has.
pub fn merge_patch(target: &mut serde_json::Value, patch: serde_json::Value) {
    match patch {
        serde_json::Value::Object(fields) => {
            if !target.is_object() {
                *target = serde_json::Value::Object(serde_json::Map::new());
            }
            if let serde_json::Value::Object(object) = target {
                for (key, value) in fields {
                    if value.is_null() {
                        if object.remove(&key).is_none() {
                            object.insert(key, serde_json::Value::Null);
                        }
                    } else {
                        merge_patch(object.entry(key).or_insert(serde_json::Value::Null), value);
                    }
                }
            }
        }
        other => *target = other,
    }
}

#[cfg(test)]
mod tests {
    use super::merge_patch;
    use serde_json::json;

    #[test]
    fn objects_merge_nulls_remove_and_values_replace() {
        let mut target = json!({"a": 1, "b": {"c": 2, "d": 3}});
        merge_patch(&mut target, json!({"a": null, "b": {"c": 4}, "e": [5]}));
        assert_eq!(target, json!({"b": {"c": 4, "d": 3}, "e": [5]}));
    }

    #[test]
    fn a_null_for_an_absent_key_stays_to_be_refused() {
        let mut target = json!({"a": 1});
        merge_patch(&mut target, json!({"unknown": null}));
        assert_eq!(target, json!({"a": 1, "unknown": null}));
    }
}
