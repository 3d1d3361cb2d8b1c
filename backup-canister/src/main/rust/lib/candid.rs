//! A small Candid (IDL) encoder and decoder for the types the Replicator canisters use.
//!
//! Decoding is untyped: the type table of the message drives it and the result is a `Value`
//! tree whose record fields and variant cases carry their label hashes. Callers then pick what
//! they expect with the `Value` accessors, which follow Candid's subtyping where it matters
//! here: missing `opt` fields read as absent, extra fields are ignored, and a `nat` reads as any
//! smaller natural number type if it fits. Encoding takes a `Type` with each `Value`, because
//! an empty `vec` or an absent `opt` carries no type of its own.

const MAGIC: &[u8; 4] = b"DIDL";
/// Nesting deeper than this is refused rather than risking the canister's stack.
const MAX_DEPTH: usize = 64;

/// Candid's label hash of a record field or variant case name.
pub fn idl_hash(name: &str) -> u32 {
    let mut h: u32 = 0;
    for b in name.bytes() {
        h = h.wrapping_mul(223).wrapping_add(b as u32);
    }
    h
}

#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    Null,
    Bool,
    Nat,
    Int,
    Nat8,
    Nat16,
    Nat32,
    Nat64,
    Int8,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    Text,
    Reserved,
    Empty,
    Principal,
    Opt(Box<Type>),
    Vec(Box<Type>),
    /// Fields sorted by label hash.
    Record(Vec<(u32, Type)>),
    /// Cases sorted by label hash.
    Variant(Vec<(u32, Type)>),
}

impl Type {
    pub fn opt(t: Type) -> Type {
        Type::Opt(Box::new(t))
    }

    pub fn vec(t: Type) -> Type {
        Type::Vec(Box::new(t))
    }

    pub fn blob() -> Type {
        Type::Vec(Box::new(Type::Nat8))
    }

    /// A record type from named fields, in any order.
    pub fn record(fields: &[(&str, Type)]) -> Type {
        let mut f: Vec<(u32, Type)> = fields.iter().map(|(n, t)| (idl_hash(n), t.clone())).collect();
        f.sort_by_key(|(h, _)| *h);
        Type::Record(f)
    }

    pub fn variant(cases: &[(&str, Type)]) -> Type {
        let mut f: Vec<(u32, Type)> = cases.iter().map(|(n, t)| (idl_hash(n), t.clone())).collect();
        f.sort_by_key(|(h, _)| *h);
        Type::Variant(f)
    }

    fn opcode(&self) -> i64 {
        match self {
            Type::Null => -1,
            Type::Bool => -2,
            Type::Nat => -3,
            Type::Int => -4,
            Type::Nat8 => -5,
            Type::Nat16 => -6,
            Type::Nat32 => -7,
            Type::Nat64 => -8,
            Type::Int8 => -9,
            Type::Int16 => -10,
            Type::Int32 => -11,
            Type::Int64 => -12,
            Type::Float32 => -13,
            Type::Float64 => -14,
            Type::Text => -15,
            Type::Reserved => -16,
            Type::Empty => -17,
            Type::Opt(_) => -18,
            Type::Vec(_) => -19,
            Type::Record(_) => -20,
            Type::Variant(_) => -21,
            Type::Principal => -24,
        }
    }

    fn is_compound(&self) -> bool {
        matches!(self, Type::Opt(_) | Type::Vec(_) | Type::Record(_) | Type::Variant(_))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Nat(u128),
    Int(i128),
    Nat8(u8),
    Nat16(u16),
    Nat32(u32),
    Nat64(u64),
    Int8(i8),
    Int16(i16),
    Int32(i32),
    Int64(i64),
    Float32(f32),
    Float64(f64),
    Text(String),
    Reserved,
    Principal(Vec<u8>),
    Opt(Option<Box<Value>>),
    Vec(Vec<Value>),
    /// A `vec nat8`, kept as bytes.
    Blob(Vec<u8>),
    Record(Vec<(u32, Value)>),
    Variant(u32, Box<Value>),
}

impl Value {
    /// A record value from named fields, in any order.
    pub fn record(fields: Vec<(&str, Value)>) -> Value {
        let mut f: Vec<(u32, Value)> = fields.into_iter().map(|(n, v)| (idl_hash(n), v)).collect();
        f.sort_by_key(|(h, _)| *h);
        Value::Record(f)
    }

    pub fn variant(case: &str, v: Value) -> Value {
        Value::Variant(idl_hash(case), Box::new(v))
    }

    pub fn some(v: Value) -> Value {
        Value::Opt(Some(Box::new(v)))
    }

    pub fn none() -> Value {
        Value::Opt(None)
    }

    /// A record field by name; `None` when the value is not a record or lacks the field.
    pub fn field(&self, name: &str) -> Option<&Value> {
        let h = idl_hash(name);
        match self {
            Value::Record(fields) => fields.iter().find(|(k, _)| *k == h).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A required record field.
    pub fn get(&self, name: &str) -> Result<&Value, String> {
        if !matches!(self, Value::Record(_)) {
            return Err(format!("expected a record with field '{}'", name));
        }
        self.field(name).ok_or_else(|| format!("missing record field '{}'", name))
    }

    /// An optional record field: absent, `null` and `opt` none all read as `None`.
    pub fn get_opt(&self, name: &str) -> Option<&Value> {
        match self.field(name) {
            None | Some(Value::Null) | Some(Value::Opt(None)) | Some(Value::Reserved) => None,
            Some(Value::Opt(Some(v))) => Some(v),
            Some(v) => Some(v),
        }
    }

    pub fn as_nat(&self) -> Result<u128, String> {
        match self {
            Value::Nat(n) => Ok(*n),
            Value::Nat64(n) => Ok(*n as u128),
            Value::Nat32(n) => Ok(*n as u128),
            Value::Nat16(n) => Ok(*n as u128),
            Value::Nat8(n) => Ok(*n as u128),
            other => Err(format!("expected a natural number, found {}", other.kind())),
        }
    }

    pub fn as_u64(&self) -> Result<u64, String> {
        let n = self.as_nat()?;
        if n > u64::MAX as u128 {
            return Err(format!("{} does not fit in nat64", n));
        }
        Ok(n as u64)
    }

    pub fn as_u32(&self) -> Result<u32, String> {
        let n = self.as_nat()?;
        if n > u32::MAX as u128 {
            return Err(format!("{} does not fit in nat32", n));
        }
        Ok(n as u32)
    }

    pub fn as_bool(&self) -> Result<bool, String> {
        match self {
            Value::Bool(b) => Ok(*b),
            other => Err(format!("expected a bool, found {}", other.kind())),
        }
    }

    pub fn as_text(&self) -> Result<&str, String> {
        match self {
            Value::Text(s) => Ok(s),
            other => Err(format!("expected text, found {}", other.kind())),
        }
    }

    pub fn as_blob(&self) -> Result<&[u8], String> {
        match self {
            Value::Blob(b) => Ok(b),
            Value::Vec(v) if v.is_empty() => Ok(&[]),
            other => Err(format!("expected a blob, found {}", other.kind())),
        }
    }

    pub fn as_principal(&self) -> Result<&[u8], String> {
        match self {
            Value::Principal(p) => Ok(p),
            other => Err(format!("expected a principal, found {}", other.kind())),
        }
    }

    pub fn as_vec(&self) -> Result<&[Value], String> {
        match self {
            Value::Vec(v) => Ok(v),
            Value::Blob(b) if b.is_empty() => Ok(&[]),
            other => Err(format!("expected a vec, found {}", other.kind())),
        }
    }

    /// The case name among `names` and the case's value.
    pub fn as_variant<'a>(&'a self, names: &[&'static str]) -> Result<(&'static str, &'a Value), String> {
        match self {
            Value::Variant(h, v) => names
                .iter()
                .find(|n| idl_hash(n) == *h)
                .map(|n| (*n, &**v))
                .ok_or_else(|| format!("unknown variant case (label hash {})", h)),
            other => Err(format!("expected a variant, found {}", other.kind())),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Nat(_) => "nat",
            Value::Int(_) => "int",
            Value::Nat8(_) => "nat8",
            Value::Nat16(_) => "nat16",
            Value::Nat32(_) => "nat32",
            Value::Nat64(_) => "nat64",
            Value::Int8(_) => "int8",
            Value::Int16(_) => "int16",
            Value::Int32(_) => "int32",
            Value::Int64(_) => "int64",
            Value::Float32(_) => "float32",
            Value::Float64(_) => "float64",
            Value::Text(_) => "text",
            Value::Reserved => "reserved",
            Value::Principal(_) => "principal",
            Value::Opt(_) => "opt",
            Value::Vec(_) => "vec",
            Value::Blob(_) => "blob",
            Value::Record(_) => "record",
            Value::Variant(_, _) => "variant",
        }
    }
}

// ---- encoding ---------------------------------------------------------------------------------

pub fn write_leb(out: &mut Vec<u8>, mut v: u128) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

pub fn write_sleb(out: &mut Vec<u8>, mut v: i128) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        let done = (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0);
        if done {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

struct TypeTable {
    entries: Vec<Type>,
    encoded: Vec<Vec<u8>>,
}

impl TypeTable {
    /// The type's reference: an opcode for primitives, a table index for compound types.
    fn reference(&mut self, t: &Type) -> i64 {
        if !t.is_compound() {
            return t.opcode();
        }
        if let Some(i) = self.entries.iter().position(|e| e == t) {
            return i as i64;
        }
        let index = self.entries.len();
        self.entries.push(t.clone());
        self.encoded.push(Vec::new());
        let mut body = Vec::new();
        write_sleb(&mut body, t.opcode() as i128);
        match t {
            Type::Opt(inner) | Type::Vec(inner) => {
                let r = self.reference(inner);
                write_sleb(&mut body, r as i128);
            }
            Type::Record(fields) | Type::Variant(fields) => {
                write_leb(&mut body, fields.len() as u128);
                for (id, ft) in fields {
                    write_leb(&mut body, *id as u128);
                    let r = self.reference(ft);
                    write_sleb(&mut body, r as i128);
                }
            }
            _ => unreachable!(),
        }
        self.encoded[index] = body;
        index as i64
    }
}

/// Encodes a Candid message with the given argument types and values.
pub fn encode(args: &[(Type, Value)]) -> Result<Vec<u8>, String> {
    let mut table = TypeTable { entries: Vec::new(), encoded: Vec::new() };
    let refs: Vec<i64> = args.iter().map(|(t, _)| table.reference(t)).collect();
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    write_leb(&mut out, table.encoded.len() as u128);
    for e in &table.encoded {
        out.extend_from_slice(e);
    }
    write_leb(&mut out, args.len() as u128);
    for r in refs {
        write_sleb(&mut out, r as i128);
    }
    for (t, v) in args {
        encode_value(&mut out, t, v)?;
    }
    Ok(out)
}

/// Encodes one argument; traps on a value that does not match its type, which is a bug in the
/// canister and never depends on input.
pub fn encode_one(t: Type, v: Value) -> Vec<u8> {
    match encode(&[(t, v)]) {
        Ok(b) => b,
        Err(e) => panic!("Candid encoding failed: {}", e),
    }
}

fn mismatch(t: &Type, v: &Value) -> String {
    format!("value {} does not match type {:?}", v.kind(), t)
}

fn encode_value(out: &mut Vec<u8>, t: &Type, v: &Value) -> Result<(), String> {
    match (t, v) {
        (Type::Null, Value::Null) | (Type::Reserved, _) => {}
        (Type::Bool, Value::Bool(b)) => out.push(*b as u8),
        (Type::Nat, Value::Nat(n)) => write_leb(out, *n),
        (Type::Nat, Value::Nat64(n)) => write_leb(out, *n as u128),
        (Type::Int, Value::Int(n)) => write_sleb(out, *n),
        (Type::Nat8, Value::Nat8(n)) => out.push(*n),
        (Type::Nat16, Value::Nat16(n)) => out.extend_from_slice(&n.to_le_bytes()),
        (Type::Nat32, Value::Nat32(n)) => out.extend_from_slice(&n.to_le_bytes()),
        (Type::Nat64, Value::Nat64(n)) => out.extend_from_slice(&n.to_le_bytes()),
        (Type::Int8, Value::Int8(n)) => out.extend_from_slice(&n.to_le_bytes()),
        (Type::Int16, Value::Int16(n)) => out.extend_from_slice(&n.to_le_bytes()),
        (Type::Int32, Value::Int32(n)) => out.extend_from_slice(&n.to_le_bytes()),
        (Type::Int64, Value::Int64(n)) => out.extend_from_slice(&n.to_le_bytes()),
        (Type::Float32, Value::Float32(n)) => out.extend_from_slice(&n.to_le_bytes()),
        (Type::Float64, Value::Float64(n)) => out.extend_from_slice(&n.to_le_bytes()),
        (Type::Text, Value::Text(s)) => {
            write_leb(out, s.len() as u128);
            out.extend_from_slice(s.as_bytes());
        }
        (Type::Principal, Value::Principal(p)) => {
            out.push(1);
            write_leb(out, p.len() as u128);
            out.extend_from_slice(p);
        }
        (Type::Opt(_), Value::Opt(None)) | (Type::Opt(_), Value::Null) => out.push(0),
        (Type::Opt(inner), Value::Opt(Some(x))) => {
            out.push(1);
            encode_value(out, inner, x)?;
        }
        (Type::Vec(inner), Value::Blob(b)) if **inner == Type::Nat8 => {
            write_leb(out, b.len() as u128);
            out.extend_from_slice(b);
        }
        (Type::Vec(inner), Value::Vec(items)) => {
            write_leb(out, items.len() as u128);
            for item in items {
                encode_value(out, inner, item)?;
            }
        }
        (Type::Record(fields), Value::Record(values)) => {
            for (id, ft) in fields {
                match values.iter().find(|(k, _)| k == id) {
                    Some((_, fv)) => encode_value(out, ft, fv)?,
                    None if matches!(ft, Type::Opt(_) | Type::Null | Type::Reserved) => {
                        encode_value(out, ft, &Value::Opt(None))?
                    }
                    None => return Err(format!("record value lacks field {}", id)),
                }
            }
        }
        (Type::Variant(cases), Value::Variant(id, x)) => {
            let index = cases
                .iter()
                .position(|(k, _)| k == id)
                .ok_or_else(|| format!("variant type lacks case {}", id))?;
            write_leb(out, index as u128);
            encode_value(out, &cases[index].1, x)?;
        }
        _ => return Err(mismatch(t, v)),
    }
    Ok(())
}

// ---- decoding ---------------------------------------------------------------------------------

/// A type as the message's type table describes it: primitives by opcode, the rest by index.
#[derive(Clone, Debug)]
enum Entry {
    Opt(i64),
    Vec(i64),
    Record(Vec<(u32, i64)>),
    Variant(Vec<(u32, i64)>),
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    table: Vec<Entry>,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, String> {
        let b = *self.data.get(self.pos).ok_or("unexpected end of Candid message")?;
        self.pos += 1;
        Ok(b)
    }

    fn bytes(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.data.len() - self.pos {
            return Err("unexpected end of Candid message".to_string());
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn leb(&mut self) -> Result<u128, String> {
        let mut result: u128 = 0;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            if shift >= 128 || (shift == 126 && b & 0x7c != 0) {
                return Err("LEB128 number too large".to_string());
            }
            result |= ((b & 0x7f) as u128) << shift;
            if b & 0x80 == 0 {
                return Ok(result);
            }
            shift += 7;
        }
    }

    fn sleb(&mut self) -> Result<i128, String> {
        let mut result: i128 = 0;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            if shift >= 127 {
                return Err("SLEB128 number too large".to_string());
            }
            result |= ((b & 0x7f) as i128) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                if shift < 128 && b & 0x40 != 0 {
                    result |= -1i128 << shift;
                }
                return Ok(result);
            }
        }
    }

    fn usize(&mut self) -> Result<usize, String> {
        let n = self.leb()?;
        if n > (self.data.len() as u128) * 8 + 1024 {
            return Err(format!("length {} is larger than the message allows", n));
        }
        Ok(n as usize)
    }

    fn type_ref(&mut self, table_len: usize) -> Result<i64, String> {
        let r = self.sleb()?;
        if r >= 0 {
            if r as usize >= table_len {
                return Err(format!("type index {} is outside the type table", r));
            }
            return Ok(r as i64);
        }
        if r < -24 || r == -22 || r == -23 || r == -18 || r == -19 || r == -20 || r == -21 {
            return Err(format!("unsupported or invalid type opcode {}", r));
        }
        Ok(r as i64)
    }

    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.bytes(N)?);
        Ok(a)
    }

    fn value(&mut self, t: i64, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err("Candid value nested too deeply".to_string());
        }
        if t >= 0 {
            let entry = self.table[t as usize].clone();
            return match entry {
                Entry::Opt(inner) => match self.byte()? {
                    0 => Ok(Value::Opt(None)),
                    1 => Ok(Value::Opt(Some(Box::new(self.value(inner, depth + 1)?)))),
                    b => Err(format!("invalid opt tag {}", b)),
                },
                Entry::Vec(inner) => {
                    let n = self.usize()?;
                    if inner == -5 {
                        return Ok(Value::Blob(self.bytes(n)?.to_vec()));
                    }
                    let mut items = Vec::with_capacity(n.min(4096));
                    for _ in 0..n {
                        items.push(self.value(inner, depth + 1)?);
                    }
                    Ok(Value::Vec(items))
                }
                Entry::Record(fields) => {
                    let mut out = Vec::with_capacity(fields.len());
                    for (id, ft) in fields {
                        out.push((id, self.value(ft, depth + 1)?));
                    }
                    Ok(Value::Record(out))
                }
                Entry::Variant(cases) => {
                    let i = self.leb()?;
                    let (id, ct) = *cases
                        .get(i as usize)
                        .ok_or_else(|| format!("variant index {} is out of range", i))?;
                    Ok(Value::Variant(id, Box::new(self.value(ct, depth + 1)?)))
                }
            };
        }
        Ok(match t {
            -1 => Value::Null,
            -2 => match self.byte()? {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                b => return Err(format!("invalid bool {}", b)),
            },
            -3 => Value::Nat(self.leb()?),
            -4 => Value::Int(self.sleb()?),
            -5 => Value::Nat8(self.byte()?),
            -6 => Value::Nat16(u16::from_le_bytes(self.fixed::<2>()?)),
            -7 => Value::Nat32(u32::from_le_bytes(self.fixed::<4>()?)),
            -8 => Value::Nat64(u64::from_le_bytes(self.fixed::<8>()?)),
            -9 => Value::Int8(i8::from_le_bytes(self.fixed::<1>()?)),
            -10 => Value::Int16(i16::from_le_bytes(self.fixed::<2>()?)),
            -11 => Value::Int32(i32::from_le_bytes(self.fixed::<4>()?)),
            -12 => Value::Int64(i64::from_le_bytes(self.fixed::<8>()?)),
            -13 => Value::Float32(f32::from_le_bytes(self.fixed::<4>()?)),
            -14 => Value::Float64(f64::from_le_bytes(self.fixed::<8>()?)),
            -15 => {
                let n = self.usize()?;
                let b = self.bytes(n)?;
                Value::Text(String::from_utf8(b.to_vec()).map_err(|_| "text is not valid UTF-8".to_string())?)
            }
            -16 => Value::Reserved,
            -17 => return Err("a value of type empty cannot exist".to_string()),
            -24 => match self.byte()? {
                1 => {
                    let n = self.usize()?;
                    if n > 29 {
                        return Err(format!("principal of {} bytes is longer than 29", n));
                    }
                    Value::Principal(self.bytes(n)?.to_vec())
                }
                0 => return Err("opaque principal references are not supported".to_string()),
                b => return Err(format!("invalid principal tag {}", b)),
            },
            other => return Err(format!("invalid type opcode {}", other)),
        })
    }
}

/// Decodes a Candid message into its argument values.
pub fn decode(data: &[u8]) -> Result<Vec<Value>, String> {
    if data.len() < 4 || &data[..4] != MAGIC {
        return Err("not a Candid message (missing DIDL magic)".to_string());
    }
    let mut r = Reader { data, pos: 4, table: Vec::new() };
    let count = r.usize()?;
    // Type references may point forward, so the table is read in full before checking them.
    let mut raw: Vec<(i128, Vec<(u32, i128)>, i128)> = Vec::with_capacity(count.min(1024));
    for _ in 0..count {
        let op = r.sleb()?;
        match op {
            -18 | -19 => {
                let inner = r.sleb()?;
                raw.push((op, Vec::new(), inner));
            }
            -20 | -21 => {
                let n = r.usize()?;
                let mut fields = Vec::with_capacity(n.min(1024));
                let mut last: Option<u32> = None;
                for _ in 0..n {
                    let id = r.leb()?;
                    if id > u32::MAX as u128 {
                        return Err("field id does not fit in 32 bits".to_string());
                    }
                    let id = id as u32;
                    if let Some(l) = last {
                        if id <= l {
                            return Err("record or variant field ids are not sorted or collide".to_string());
                        }
                    }
                    last = Some(id);
                    fields.push((id, r.sleb()?));
                }
                raw.push((op, fields, 0));
            }
            other => return Err(format!("unsupported type table entry {}", other)),
        }
    }
    let check = |x: i128| -> Result<i64, String> {
        if x >= 0 {
            if x as usize >= count {
                return Err(format!("type index {} is outside the type table", x));
            }
            Ok(x as i64)
        } else if (-17..=-1).contains(&x) || x == -24 {
            Ok(x as i64)
        } else {
            Err(format!("unsupported or invalid type opcode {}", x))
        }
    };
    for (op, fields, inner) in raw {
        r.table.push(match op {
            -18 => Entry::Opt(check(inner)?),
            -19 => Entry::Vec(check(inner)?),
            -20 => Entry::Record(fields.into_iter().map(|(id, t)| Ok((id, check(t)?))).collect::<Result<_, String>>()?),
            _ => Entry::Variant(fields.into_iter().map(|(id, t)| Ok((id, check(t)?))).collect::<Result<_, String>>()?),
        });
    }
    // A type that is only itself (like `type t = opt t` used as a vec element forever) could
    // not hold a finite value, but a finite message still ends, so the depth limit suffices.
    let nargs = r.usize()?;
    let mut arg_types = Vec::with_capacity(nargs.min(64));
    for _ in 0..nargs {
        let t = r.type_ref(count)?;
        arg_types.push(t);
    }
    let mut values = Vec::with_capacity(arg_types.len());
    for t in arg_types {
        values.push(r.value(t, 0)?);
    }
    if r.pos != data.len() {
        return Err(format!("{} trailing bytes after the Candid values", data.len() - r.pos));
    }
    Ok(values)
}

/// Decodes a message and returns its first argument, or `Null` for an empty argument list
/// (Candid lets a method with optional arguments be called with none).
pub fn decode_first(data: &[u8]) -> Result<Value, String> {
    let mut args = decode(data)?;
    if args.is_empty() {
        return Ok(Value::Null);
    }
    Ok(args.swap_remove(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hexs(b: &[u8]) -> String {
        b.iter().map(|x| format!("{:02x}", x)).collect()
    }

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    // Encodings produced by ic4j-candid 0.7.2 (see the project's ic4j notes).
    #[test]
    fn encodes_primitives_like_ic4j() {
        assert_eq!(hexs(&encode_one(Type::Nat, Value::Nat(42))), "4449444c00017d2a");
        assert_eq!(hexs(&encode_one(Type::Nat64, Value::Nat64(42))), "4449444c0001782a00000000000000");
        assert_eq!(hexs(&encode_one(Type::Text, Value::Text("hi".into()))), "4449444c000171026869");
        assert_eq!(hexs(&encode_one(Type::Principal, Value::Principal(vec![]))), "4449444c0001680100");
        assert_eq!(hexs(&encode_one(Type::blob(), Value::Blob(vec![1, 2, 3]))), "4449444c016d7b010003010203");
        assert_eq!(hexs(&encode_one(Type::blob(), Value::Blob(vec![]))), "4449444c016d7b010000");
        assert_eq!(hexs(&encode_one(Type::opt(Type::Nat), Value::none())), "4449444c016e7d010000");
    }

    #[test]
    fn encodes_records_with_fields_in_hash_order_like_ic4j() {
        let t = Type::record(&[("name", Type::Text), ("amount", Type::Nat)]);
        let v = Value::record(vec![("amount", Value::Nat(7)), ("name", Value::Text("bob".into()))]);
        assert_eq!(hexs(&encode_one(t, v)), "4449444c016c02cbe4fdc70471d8a38ca80d7d010003626f6207");
    }

    #[test]
    fn decodes_what_ic4j_encodes() {
        let v = decode_first(&unhex("4449444c016c02cbe4fdc70471d8a38ca80d7d010003626f6207")).unwrap();
        assert_eq!(v.get("name").unwrap().as_text().unwrap(), "bob");
        assert_eq!(v.get("amount").unwrap().as_u64().unwrap(), 7);
        let nested = decode_first(&unhex("4449444c026e016e7d010001010a")).unwrap();
        assert_eq!(nested, Value::some(Value::some(Value::Nat(10))));
        assert_eq!(decode_first(&unhex("4449444c016d7b010003010203")).unwrap(), Value::Blob(vec![1, 2, 3]));
    }

    #[test]
    fn round_trips_nested_types() {
        let t = Type::record(&[
            ("items", Type::vec(Type::record(&[("k", Type::Nat64), ("v", Type::opt(Type::blob()))]))),
            ("who", Type::Principal),
            ("state", Type::variant(&[("running", Type::Null), ("done", Type::Nat)])),
            ("neg", Type::Int),
        ]);
        let v = Value::record(vec![
            (
                "items",
                Value::Vec(vec![
                    Value::record(vec![("k", Value::Nat64(1)), ("v", Value::none())]),
                    Value::record(vec![("k", Value::Nat64(2)), ("v", Value::some(Value::Blob(vec![9; 300])))]),
                ]),
            ),
            ("who", Value::Principal(vec![1, 2, 3])),
            ("state", Value::variant("done", Value::Nat(1 << 70))),
            ("neg", Value::Int(-123456789)),
        ]);
        let bytes = encode_one(t, v.clone());
        assert_eq!(decode_first(&bytes).unwrap(), v);
    }

    #[test]
    fn variant_case_is_found_by_name() {
        let t = Type::variant(&[("install", Type::Null), ("reinstall", Type::Null), ("upgrade", Type::Null)]);
        let bytes = encode_one(t, Value::variant("upgrade", Value::Null));
        let v = decode_first(&bytes).unwrap();
        assert_eq!(v.as_variant(&["install", "reinstall", "upgrade"]).unwrap().0, "upgrade");
    }

    #[test]
    fn missing_opt_field_reads_as_absent_and_extra_fields_are_ignored() {
        let t = Type::record(&[("a", Type::Nat64), ("extra", Type::Text)]);
        let v = decode_first(&encode_one(t, Value::record(vec![("a", Value::Nat64(5)), ("extra", Value::Text("x".into()))]))).unwrap();
        assert_eq!(v.get("a").unwrap().as_u64().unwrap(), 5);
        assert!(v.get_opt("chunk_size").is_none());
    }

    #[test]
    fn empty_argument_list_decodes_to_null() {
        assert_eq!(decode_first(b"DIDL\x00\x00").unwrap(), Value::Null);
    }

    #[test]
    fn rejects_malformed_messages_with_a_reason() {
        let cases: Vec<(&[u8], &str)> = vec![
            (b"", "magic"),
            (b"XIDL\x00\x00", "magic"),
            (b"DIDL\x00\x01\x7d", "end"),
            (b"DIDL\x00\x01\x71\x05ab", "end"),
            (b"DIDL\x00\x01\x71\x02\xff\xfe", "UTF-8"),
            (b"DIDL\x00\x01\x7d\x01\x00", "trailing"),
            (b"DIDL\x01\x6c\x02\x01\x7d\x01\x7d\x01\x00\x01\x01", "sorted"),
            (b"DIDL\x00\x01\x05", "outside"),
            (b"DIDL\x00\x01\x7e\x02", "bool"),
            (b"DIDL\x00\x01\x68\x01\x40", "longer"),
            (b"DIDL\x01\x6d\x7d\x01\x00\xff\xff\xff\xff\x0f", "larger"),
        ];
        for (bytes, reason) in cases {
            let err = decode(bytes).unwrap_err();
            assert!(err.contains(reason), "{:?}: {}", bytes, err);
        }
    }

    #[test]
    fn deeply_nested_values_are_refused() {
        // type 0 = opt 0; a value of 100 nested `some`s.
        let mut m = b"DIDL\x01\x6e\x00\x01\x00".to_vec();
        m.extend(std::iter::repeat(1u8).take(100));
        m.push(0);
        assert!(decode(&m).unwrap_err().contains("deeply"));
    }

    #[test]
    fn idl_hash_matches_the_spec_examples() {
        assert_eq!(idl_hash("name"), 1224700491);
        assert_eq!(idl_hash("amount"), 3573748184);
    }
}
