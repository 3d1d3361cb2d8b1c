package org.replicator.localnet.execution;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wabt.Wat2Wasm;
import java.math.BigInteger;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.cycles.InstructionLimits;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.testing.IcClient;
import org.replicator.localnet.testing.IcClient.Rejected;
import org.replicator.localnet.testing.TestCanisters;
import org.replicator.localnet.testing.Universal;

/** The limits a canister runs under: instructions per update, the imports it may use, its freezing threshold. */
class ExecutionLimitsTest {
    /** Lower than the IC's 40 B so that running into it takes a fraction of a second. */
    private static final long UPDATE_LIMIT = 300_000_000L;

    private static LocalNet net;
    private static IcClient ic;

    @BeforeAll
    static void start() {
        InstructionLimits ic0 = InstructionLimits.ic();
        net = LocalNet.start(LocalNetConfig.defaults().withSubnets(1)
                .withInstructionLimits(new InstructionLimits(UPDATE_LIMIT, ic0.query(), ic0.install(), ic0.inspectMessage())));
        ic = IcClient.forNet(net);
    }

    @AfterAll
    static void stop() {
        ic.close();
        net.close();
    }

    @Test
    void updateOverItsInstructionLimitFailsWithTheIcErrorAndChangesNothing() {
        Principal c = ic.deploy(0, TestCanisters.universal());
        ic.update(c, "update", Universal.program().stableGrow(1).drop().replyWith("ok").build());
        Rejected e = assertThrows(Rejected.class, () -> ic.update(c, "update", Universal.program()
                .stableWrite(0, "dirty".getBytes(UTF_8)).loopForever().build()));
        assertEquals("5", e.code());
        assertTrue(e.getMessage().contains("exceeded the limit of " + UPDATE_LIMIT + " instructions"), e.getMessage());
        byte[] first = ic.query(c, "query", Universal.program().stableRead(0, 5).replyTop().build());
        assertArrayEquals(new byte[5], first, "the stable write before the limit was rolled back");
    }

    @Test
    void moduleImportingASystemFunctionTheLocalnetLacksIsRefusedAtInstallNamingIt() {
        byte[] wasm = Wat2Wasm.parse("""
                (module
                  (import "ic0" "mint_cycles128" (func $mint (param i64 i64 i32)))
                  (func (export "canister_update mint") (call $mint (i64.const 1) (i64.const 0) (i32.const 0))))
                """);
        Principal c = ic.createCanister(0);
        Rejected e = assertThrows(Rejected.class, () -> ic.install(c, wasm, "install", new byte[0]));
        assertTrue(e.getMessage().contains("mint_cycles128"), e.getMessage());
        assertEquals(Optional.empty(), ic.status(c).get(IcClient.label("module_hash")), "no module was installed");
    }

    @Test
    void freezingThresholdAboveTheBalanceRefusesMessagesUntilLowered() {
        Principal c = ic.deploy(0, TestCanisters.universal());
        byte[] ok = Universal.program().replyWith("ok").build();
        ic.setFreezingThreshold(c, BigInteger.TEN.pow(15));
        Rejected e = assertThrows(Rejected.class, () -> ic.update(c, "update", ok));
        assertTrue(e.getMessage().contains("out of cycles"), e.getMessage());
        ic.setFreezingThreshold(c, BigInteger.ZERO);
        assertEquals("ok", new String(ic.update(c, "update", ok), UTF_8));
    }
}
