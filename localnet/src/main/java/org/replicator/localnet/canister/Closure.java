package org.replicator.localnet.canister;

/** A wasm callback: a function index in table 0 and the environment value passed to it. */
public record Closure(int function, int env) {
}
