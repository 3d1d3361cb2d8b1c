//! The Candid shapes of the backup canister's own methods (backup_canister.did is the authority).

use crate::api;
use crate::candid::{Type, Value};
use crate::state::{Config, Generation, State};

/// Parallelism when the init argument gives none: enough to hide cross-subnet latency, few
/// enough that the reserved reply fees (about 2.1 B cycles per read) stay small.
pub const DEFAULT_PARALLELISM: u32 = 4;
pub const MAX_PARALLELISM: u32 = 64;

pub fn parse_config(v: &Value) -> Result<Config, String> {
    let source = v.get("source")?.as_principal()?.to_vec();
    let coordinators = match v.get_opt("coordinators") {
        Some(c) => c.as_vec()?.iter().map(|p| p.as_principal().map(|b| b.to_vec())).collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let parallelism = match v.get_opt("parallelism") {
        Some(p) => p.as_u32()?,
        None => DEFAULT_PARALLELISM,
    };
    if parallelism == 0 || parallelism > MAX_PARALLELISM {
        return Err(format!("parallelism must be 1 to {}, got {}", MAX_PARALLELISM, parallelism));
    }
    let cycle_budget = match v.get_opt("cycle_budget_per_run") {
        Some(b) => Some(b.as_nat()?),
        None => None,
    };
    Ok(Config { source, coordinators, parallelism, cycle_budget })
}

/// Who may replace the coordinator list: only a principal on it now. Controllers who are not on
/// it cannot, so a user among the controllers cannot drop the coordinator that funds and drives
/// the canister; once the list names only them, it is theirs to change.
pub fn may_set_coordinators(config: &Config, caller: &[u8]) -> Result<(), String> {
    if config.coordinators.iter().any(|c| c.as_slice() == caller) {
        Ok(())
    } else {
        Err(format!(
            "{}: {} is not a coordinator of this backup canister; only its coordinators may replace them",
            crate::protocol::reject::NOT_ALLOWED,
            api::principal_text(caller)
        ))
    }
}

/// `set_coordinators`' argument: a non-empty `vec principal`; a principal given twice is kept once.
pub fn parse_coordinators(v: &Value) -> Result<Vec<Vec<u8>>, String> {
    let mut list: Vec<Vec<u8>> = Vec::new();
    for p in v.as_vec()? {
        let p = p.as_principal()?.to_vec();
        if !list.contains(&p) {
            list.push(p);
        }
    }
    if list.is_empty() {
        return Err("set_coordinators needs at least one principal: with none, nobody but the controllers could drive the backups".to_string());
    }
    Ok(list)
}

pub fn coordinators_type() -> Type {
    Type::vec(Type::Principal)
}

pub fn coordinators(config: &Config) -> Value {
    Value::Vec(config.coordinators.iter().map(|c| Value::Principal(c.clone())).collect())
}

/// `set_source`'s second argument, `opt record { abandon_run : opt bool }`: whether to abandon a
/// run of the old source. Absent, `null` or without the field: false.
pub fn parse_set_source_options(v: Option<&Value>) -> Result<bool, String> {
    let options = match v {
        None | Some(Value::Null) | Some(Value::Opt(None)) | Some(Value::Reserved) => return Ok(false),
        Some(Value::Opt(Some(inner))) => inner.as_ref(),
        Some(other) => other,
    };
    if !matches!(options, Value::Record(_)) {
        return Err(format!("set_source's second argument must be opt record {{ abandon_run : opt bool }}, found {}", options.kind()));
    }
    match options.get_opt("abandon_run") {
        None => Ok(false),
        Some(b) => b.as_bool().map_err(|e| format!("abandon_run: {}", e)),
    }
}

fn opt_u64(v: Option<u64>) -> Value {
    v.map(|x| Value::some(Value::Nat64(x))).unwrap_or(Value::none())
}

fn opt_text(v: &Option<String>) -> Value {
    v.as_ref().map(|x| Value::some(Value::Text(x.clone()))).unwrap_or(Value::none())
}

fn run_type() -> Type {
    Type::record(&[
        ("id", Type::Nat64),
        ("state", Type::Text),
        ("epoch", Type::opt(Type::Nat64)),
        ("incremental", Type::Bool),
        ("chunks_total", Type::Nat64),
        ("chunks_done", Type::Nat64),
        ("chunks_fetched", Type::Nat64),
        ("chunks_reused", Type::Nat64),
        ("bytes_fetched", Type::Nat64),
        ("retries", Type::Nat64),
        ("cycles_spent", Type::Int),
        ("cycles_received", Type::Nat),
        ("started_at", Type::Nat64),
        ("finished_at", Type::opt(Type::Nat64)),
        ("generation", Type::opt(Type::Nat64)),
        ("error", Type::opt(Type::Text)),
    ])
}

fn restore_type() -> Type {
    Type::record(&[
        ("target", Type::Principal),
        ("generation", Type::Nat64),
        ("state", Type::Text),
        ("chunks_written", Type::Nat64),
        ("chunks_total", Type::Nat64),
        ("error", Type::opt(Type::Text)),
    ])
}

pub fn status_type() -> Type {
    Type::record(&[
        ("source", Type::Principal),
        ("run", Type::opt(run_type())),
        ("restore", Type::opt(restore_type())),
        ("generations", Type::Nat64),
        ("chunks_stored", Type::Nat64),
        ("bytes_stored", Type::Nat64),
        ("stable_bytes", Type::Nat64),
        ("cycle_balance", Type::Nat),
        ("layout_version", Type::Nat32),
        ("calls_in_flight", Type::Nat64),
    ])
}

pub fn status(s: &State) -> Value {
    let run = s.run.as_ref().map(|r| {
        let sealed = r.generation.and_then(|g| s.generations.get(&g));
        let (total, done) = match sealed {
            Some(g) => (g.hashes.len() as u64, g.hashes.len() as u64),
            None => (r.chunks_total(), r.chunks_done()),
        };
        Value::record(vec![
            ("id", Value::Nat64(r.id)),
            ("state", Value::Text(r.phase.name().to_string())),
            ("epoch", opt_u64(if r.chunk_size == 0 { None } else { Some(r.epoch) })),
            ("incremental", Value::Bool(r.incremental)),
            ("chunks_total", Value::Nat64(total)),
            ("chunks_done", Value::Nat64(done)),
            ("chunks_fetched", Value::Nat64(r.chunks_fetched)),
            ("chunks_reused", Value::Nat64(r.chunks_reused)),
            ("bytes_fetched", Value::Nat64(r.bytes_fetched)),
            ("retries", Value::Nat64(r.retries)),
            ("cycles_spent", Value::Int(r.cycles_spent)),
            ("cycles_received", Value::Nat(r.cycles_received)),
            ("started_at", Value::Nat64(r.started_at)),
            ("finished_at", opt_u64(r.finished_at)),
            ("generation", opt_u64(r.generation)),
            ("error", opt_text(&r.error)),
        ])
    });
    let restore = s.restore.as_ref().map(|j| {
        Value::record(vec![
            ("target", Value::Principal(j.target.clone())),
            ("generation", Value::Nat64(j.generation)),
            ("state", Value::Text(j.phase.name().to_string())),
            ("chunks_written", Value::Nat64(j.written.iter().filter(|w| **w).count() as u64)),
            ("chunks_total", Value::Nat64(j.written.len() as u64)),
            ("error", opt_text(&j.error)),
        ])
    });
    Value::record(vec![
        ("source", Value::Principal(s.config.source.clone())),
        ("run", run.map(Value::some).unwrap_or(Value::none())),
        ("restore", restore.map(Value::some).unwrap_or(Value::none())),
        ("generations", Value::Nat64(s.generations.len() as u64)),
        ("chunks_stored", Value::Nat64(s.store.index.len() as u64)),
        ("bytes_stored", Value::Nat64(s.store.bytes_stored)),
        ("stable_bytes", Value::Nat64(unsafe { crate::ic0::stable64_size() } * 65536)),
        ("cycle_balance", Value::Nat(api::cycle_balance())),
        ("layout_version", Value::Nat32(crate::layout::LAYOUT_VERSION)),
        ("calls_in_flight", Value::Nat64(s.pending.len() as u64)),
    ])
}

pub fn generation_type() -> Type {
    Type::record(&[
        ("id", Type::Nat64),
        ("source", Type::Principal),
        ("root", Type::blob()),
        ("size", Type::Nat64),
        ("chunk_size", Type::Nat64),
        ("chunk_count", Type::Nat64),
        ("epoch", Type::Nat64),
        ("started_at", Type::Nat64),
        ("sealed_at", Type::Nat64),
        ("chunks_fetched", Type::Nat64),
    ])
}

pub fn generation(g: &Generation) -> Value {
    Value::record(vec![
        ("id", Value::Nat64(g.id)),
        ("source", Value::Principal(g.source.clone())),
        ("root", Value::Blob(g.root.to_vec())),
        ("size", Value::Nat64(g.size)),
        ("chunk_size", Value::Nat64(g.chunk_size)),
        ("chunk_count", Value::Nat64(g.hashes.len() as u64)),
        ("epoch", Value::Nat64(g.epoch)),
        ("started_at", Value::Nat64(g.started_at)),
        ("sealed_at", Value::Nat64(g.sealed_at)),
        ("chunks_fetched", Value::Nat64(g.chunks_fetched)),
    ])
}

pub fn verify_type() -> Type {
    Type::record(&[
        ("generation", Type::Nat64),
        ("chunks_checked", Type::Nat64),
        ("chunks_total", Type::Nat64),
        ("done", Type::Bool),
        ("ok", Type::Bool),
        ("root", Type::blob()),
        ("error", Type::opt(Type::Text)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(coordinators: Vec<Vec<u8>>) -> Config {
        Config { source: vec![1], coordinators, parallelism: 4, cycle_budget: None }
    }

    #[test]
    fn only_a_listed_coordinator_may_replace_the_coordinators() {
        let c = config(vec![vec![3], vec![4]]);
        assert_eq!(may_set_coordinators(&c, &[4]), Ok(()));
        let e = may_set_coordinators(&c, &[5]).unwrap_err();
        assert!(e.starts_with("NOT_ALLOWED: ") && e.contains("is not a coordinator"), "{}", e);
        assert!(may_set_coordinators(&config(vec![]), &[3]).is_err(), "an empty list admits nobody");
    }

    #[test]
    fn the_new_coordinators_are_a_non_empty_list_of_principals_kept_once() {
        let list = Value::Vec(vec![Value::Principal(vec![9]), Value::Principal(vec![8]), Value::Principal(vec![9])]);
        assert_eq!(parse_coordinators(&list), Ok(vec![vec![9], vec![8]]));
        let e = parse_coordinators(&Value::Vec(vec![])).unwrap_err();
        assert!(e.contains("at least one principal"), "{}", e);
        assert!(parse_coordinators(&Value::Vec(vec![Value::Text("x".into())])).is_err());
        assert!(parse_coordinators(&Value::Principal(vec![9])).is_err(), "a principal alone is not a list");
        assert_eq!(coordinators(&config(vec![vec![9]])), Value::Vec(vec![Value::Principal(vec![9])]));
    }

    #[test]
    fn set_source_options_default_to_keeping_the_run_and_refuse_other_shapes() {
        assert_eq!(parse_set_source_options(None), Ok(false));
        assert_eq!(parse_set_source_options(Some(&Value::none())), Ok(false));
        assert_eq!(parse_set_source_options(Some(&Value::some(Value::record(vec![])))), Ok(false));
        let yes = Value::some(Value::record(vec![("abandon_run", Value::some(Value::Bool(true)))]));
        assert_eq!(parse_set_source_options(Some(&yes)), Ok(true));
        let no = Value::some(Value::record(vec![("abandon_run", Value::some(Value::Bool(false)))]));
        assert_eq!(parse_set_source_options(Some(&no)), Ok(false));
        let e = parse_set_source_options(Some(&Value::Nat64(7))).unwrap_err();
        assert!(e.contains("opt record { abandon_run : opt bool }, found nat64"), "{}", e);
        let e = parse_set_source_options(Some(&Value::record(vec![("abandon_run", Value::Text("yes".into()))]))).unwrap_err();
        assert!(e.starts_with("abandon_run: expected a bool"), "{}", e);
    }
}
