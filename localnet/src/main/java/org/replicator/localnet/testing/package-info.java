/**
 * Helpers for programs that use a localnet: an ic4j-based client with management-canister calls
 * ({@link org.replicator.localnet.testing.IcClient}), the universal canister and its program
 * builder ({@link org.replicator.localnet.testing.Universal}), and a localnet in a child process
 * ({@link org.replicator.localnet.testing.LocalNetProcess}) for crash tests.
 */
package org.replicator.localnet.testing;
