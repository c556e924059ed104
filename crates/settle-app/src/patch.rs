//! RFC 7396 JSON merge patches, as `PATCH` endpoints and rebill requests apply them.

/// Applies `patch` to `target` (RFC 7396): objects merge, `null` removes, anything else
/// replaces.
pub fn merge_patch(target: &mut serde_json::Value, patch: serde_json::Value) {
    match patch {
        serde_json::Value::Object(fields) => {
            if !target.is_object() {
                *target = serde_json::Value::Object(serde_json::Map::new());
            }
            if let serde_json::Value::Object(object) = target {
                for (key, value) in fields {
                    if value.is_null() {
                        object.remove(&key);
                    } else {
                        merge_patch(object.entry(key).or_insert(serde_json::Value::Null), value);
                    }
                }
            }
        }
        other => *target = other,
    }
}
