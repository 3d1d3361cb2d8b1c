package org.replicator.localnet.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.testing.IcClient;
import org.replicator.localnet.testing.TestCanisters;
import org.replicator.localnet.testing.Universal;

/**
 * The JavaScript agents talk to the localnet as to the IC, with verification on: the script in
 * {@code src/test/js} fetches the root key, makes an update call (certificate checked), polls it
 * through read_state, queries (node signature checked against the subnet's keys) and reads the
 * canister's certified facts. The canister lives on an application subnet, so every certificate
 * comes with a root-subnet delegation whose canister ranges the agent checks.
 */
class JavaScriptAgentTest {
    private static final Path SOURCES = Path.of("src/test/js");
    private static final Path WORK = Path.of("target/agent-js");
    private static final List<String> NETWORK_ERRORS =
            List.of("ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENETUNREACH", "EHOSTUNREACH");

    private static LocalNet net;
    private static IcClient owner;
    private static Principal canister;

    @BeforeAll
    static void installAgentsAndStartANetwork() throws Exception {
        Run node = run(List.of("node", "--version"), Path.of("."), 30);
        Assumptions.assumeTrue(node.exitCode() == 0, "node is not installed: " + node.output());
        Files.createDirectories(WORK);
        for (String file : List.of("package.json", "package-lock.json", "agent-check.mjs")) {
            Files.copy(SOURCES.resolve(file), WORK.resolve(file), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Run install = run(List.of("npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"), WORK, 240);
        if (install.exitCode() != 0 && NETWORK_ERRORS.stream().anyMatch(install.output()::contains)) {
            Assumptions.abort("the npm registry is unreachable, so the JavaScript agents cannot be installed: "
                    + install.output());
        }
        assertEquals(0, install.exitCode(), "npm ci failed: " + install.output());

        net = LocalNet.start(LocalNetConfig.defaults());
        owner = IcClient.forNet(net);
        canister = owner.deploy(1, TestCanisters.universal());
    }

    @AfterAll
    static void stop() {
        if (owner != null) {
            owner.close();
        }
        if (net != null) {
            net.close();
        }
    }

    @Test
    void dfinityAgentCallsThroughV3QueriesAndReadsStateWithVerificationOn() throws Exception {
        String used = assertAgentWorks("dfinity");
        assertTrue(used.contains("POST /api/v3/canister/" + canister + "/call"), used);
        assertTrue(used.contains("POST /api/v2/canister/" + canister + "/query"), used);
        assertTrue(used.contains("POST /api/v2/canister/" + canister + "/read_state"), used);
    }

    @Test
    void icpSdkAgentCallsThroughV4QueriesAndReadsStateWithVerificationOn() throws Exception {
        String used = assertAgentWorks("icp-sdk");
        assertTrue(used.contains("POST /api/v4/canister/" + canister + "/call"), used);
        assertTrue(used.contains("POST /api/v3/canister/" + canister + "/query"), used);
        assertTrue(used.contains("POST /api/v3/canister/" + canister + "/read_state"), used);
    }

    /** Runs the check with one agent and returns the requests it made. */
    private static String assertAgentWorks(String flavour) throws Exception {
        String stored = "stored by " + flavour;
        byte[] update = Universal.program().push(stored).setStore().replyWith("updated").build();
        byte[] query = Universal.program().getStore().replyTop().build();
        HexFormat hex = HexFormat.of();
        String json = "{"
                + "\"url\":\"" + net.url() + "\","
                + "\"rootKey\":\"" + hex.formatHex(net.rootKeyDer()) + "\","
                + "\"canisterId\":\"" + canister + "\","
                + "\"moduleHash\":\"" + hex.formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(TestCanisters.universal())) + "\","
                + "\"controller\":\"" + owner.principal() + "\","
                + "\"updateArg\":\"" + hex.formatHex(update) + "\","
                + "\"updateReply\":\"updated\","
                + "\"queryArg\":\"" + hex.formatHex(query) + "\","
                + "\"queryReply\":\"" + stored + "\""
                + "}";
        Run check = run(List.of("node", "agent-check.mjs", flavour, json), WORK, 90);
        assertEquals(0, check.exitCode(), check.output());
        System.out.print(check.output());
        return check.output();
    }

    private record Run(int exitCode, String output) {
    }

    private static Run run(List<String> command, Path dir, long timeoutSeconds) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            return new Run(-1, command.get(0) + " cannot be started: " + e.getMessage());
        }
        // Read while it runs so a full pipe cannot block it.
        var output = new java.io.ByteArrayOutputStream();
        Thread reader = new Thread(() -> {
            try {
                process.getInputStream().transferTo(output);
            } catch (IOException e) {
                // the process ended; what was read is kept
            }
        });
        reader.start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            reader.join(5000);
            return new Run(-2, String.join(" ", command.subList(0, 2)) + " did not finish within " + timeoutSeconds
                    + " s: " + output.toString(StandardCharsets.UTF_8));
        }
        reader.join(5000);
        return new Run(process.exitValue(), output.toString(StandardCharsets.UTF_8));
    }
}
