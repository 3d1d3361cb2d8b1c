package org.replicator.localnet.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.ids.CanisterIdRange;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.network.FaultRule;
import org.replicator.localnet.subnet.Subnet;

/**
 * The control interface over HTTP (JSON), for a standalone localnet: the same operations as
 * {@link LocalNetControl}. Paths, all under {@code /_/control}:
 * <pre>
 * GET    /subnets                      subnets with ids, ranges, height, halted
 * POST   /subnets/{index}/halt         halt a subnet
 * POST   /subnets/{index}/resume       resume it
 * POST   /time/advance                 {"seconds": n} move the network clock forward
 * GET    /faults                       fault rules in force
 * POST   /faults                       {"name", "action": DROP|DELAY|CORRUPT, "kind": REQUEST|RESPONSE|ANY,
 *                                       "fromSubnet", "toSubnet", "sender", "receiver", "method",
 *                                       "delayMillis", "times"} add a rule
 * DELETE /faults/{name}                remove a rule; DELETE /faults removes all
 * GET    /canisters                    metrics of every canister
 * GET    /canisters/{id}               metrics of one canister
 * GET    /jvm                          heap used, committed and maximum of the localnet's JVM
 * </pre>
 */
public final class ControlHttpHandler implements HttpHandler {
    public static final String PREFIX = "/_/control";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LocalNet net;

    public ControlHttpHandler(LocalNet net) {
        this.net = net;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath().substring(PREFIX.length());
            String method = exchange.getRequestMethod();
            try {
                JsonNode reply = route(method, path.isEmpty() ? "/" : path, exchange);
                send(exchange, 200, reply);
            } catch (IllegalArgumentException e) {
                send(exchange, 400, error(e.getMessage()));
            } catch (NotFound e) {
                send(exchange, 404, error(e.getMessage()));
            }
        }
    }

    private JsonNode route(String method, String path, HttpExchange exchange) throws IOException {
        String[] parts = path.replaceAll("^/+|/+$", "").split("/");
        LocalNetControl control = net.control();
        switch (parts[0]) {
            case "subnets" -> {
                if (parts.length == 1 && method.equals("GET")) {
                    return subnets();
                }
                if (parts.length == 3 && method.equals("POST")) {
                    int index = subnetIndex(parts[1]);
                    switch (parts[2]) {
                        case "halt" -> control.halt(index);
                        case "resume" -> control.resume(index);
                        default -> throw new NotFound("no subnet operation '" + parts[2] + "'");
                    }
                    return subnets();
                }
            }
            case "time" -> {
                if (parts.length == 2 && parts[1].equals("advance") && method.equals("POST")) {
                    JsonNode body = body(exchange);
                    double seconds = body.path("seconds").asDouble(-1);
                    if (seconds < 0) {
                        throw new IllegalArgumentException("give {\"seconds\": n} with n >= 0");
                    }
                    control.advanceTime(Duration.ofNanos((long) (seconds * 1e9)));
                    return JSON.createObjectNode().put("advancedSeconds", seconds);
                }
            }
            case "faults" -> {
                if (parts.length == 1 && method.equals("GET")) {
                    return faults();
                }
                if (parts.length == 1 && method.equals("POST")) {
                    control.addFault(fault(body(exchange)));
                    return faults();
                }
                if (method.equals("DELETE")) {
                    if (parts.length == 1) {
                        control.clearFaults();
                    } else if (!control.removeFault(parts[1])) {
                        throw new NotFound("no fault rule named '" + parts[1] + "'");
                    }
                    return faults();
                }
            }
            case "canisters" -> {
                if (method.equals("GET") && parts.length == 1) {
                    ArrayNode all = JSON.createArrayNode();
                    control.canisters().forEach(r -> all.add(report(r)));
                    return all;
                }
                if (method.equals("GET") && parts.length == 2) {
                    Principal id = principal(parts[1], "canister id");
                    return control.canister(id).map(this::report)
                            .orElseThrow(() -> new NotFound("canister " + id + " does not exist"));
                }
            }
            case "jvm" -> {
                if (method.equals("GET")) {
                    System.gc();
                    Runtime rt = Runtime.getRuntime();
                    return JSON.createObjectNode().put("heapUsedBytes", rt.totalMemory() - rt.freeMemory())
                            .put("heapCommittedBytes", rt.totalMemory()).put("heapMaxBytes", rt.maxMemory());
                }
            }
            default -> {
                // fall through to the error below
            }
        }
        throw new NotFound("no control operation " + method + " " + PREFIX + path);
    }

    private JsonNode subnets() {
        ArrayNode out = JSON.createArrayNode();
        for (Subnet s : net.subnets()) {
            ObjectNode n = out.addObject();
            n.put("index", s.index());
            n.put("id", s.id().toText());
            n.put("type", s.config().type());
            n.put("halted", s.isHalted());
            n.put("height", s.certifiedState().height());
            ArrayNode ranges = n.putArray("canisterRanges");
            for (CanisterIdRange r : s.config().ranges()) {
                ranges.addObject().put("start", r.start().toText()).put("end", r.end().toText());
            }
        }
        return out;
    }

    private JsonNode faults() {
        ArrayNode out = JSON.createArrayNode();
        for (FaultRule r : net.control().faults()) {
            out.addObject().put("name", r.name()).put("action", r.action().name())
                    .put("fired", r.fired()).put("remaining", r.remaining());
        }
        return out;
    }

    private FaultRule fault(JsonNode body) {
        String name = body.path("name").asText("");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a fault rule needs a \"name\"");
        }
        FaultRule.Action action;
        try {
            action = FaultRule.Action.valueOf(body.path("action").asText(""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"action\" must be one of DROP, DELAY, CORRUPT");
        }
        FaultRule.Builder b = FaultRule.builder(name, action);
        if (body.has("kind")) {
            b.kind(FaultRule.Kind.valueOf(body.get("kind").asText()));
        }
        optionalPrincipal(body, "fromSubnet").ifPresent(b::fromSubnet);
        optionalPrincipal(body, "toSubnet").ifPresent(b::toSubnet);
        optionalPrincipal(body, "sender").ifPresent(b::sender);
        optionalPrincipal(body, "receiver").ifPresent(b::receiver);
        if (body.has("method")) {
            b.method(body.get("method").asText());
        }
        if (body.has("delayMillis")) {
            b.delay(Duration.ofMillis(body.get("delayMillis").asLong()));
        }
        if (body.has("times")) {
            b.times(body.get("times").asLong());
        }
        return b.build();
    }

    private JsonNode report(CanisterReport r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("canisterId", r.canisterId().toText());
        n.put("subnetId", r.subnetId().toText());
        n.put("status", r.status());
        n.put("balance", r.balance());
        n.put("messagesExecuted", r.messagesExecuted());
        n.put("instructionsExecuted", r.instructionsExecuted());
        ObjectNode cycles = n.putObject("cyclesCharged");
        cycles.put("execution", r.cyclesForExecution());
        cycles.put("ingress", r.cyclesForIngress());
        cycles.put("calls", r.cyclesForCalls());
        cycles.put("storage", r.cyclesForStorage());
        cycles.put("total", r.cyclesCharged());
        n.put("cyclesSent", r.cyclesSent());
        n.put("cyclesReceived", r.cyclesReceived());
        n.put("cyclesBurned", r.cyclesBurned());
        ObjectNode memory = n.putObject("memoryBytes");
        memory.put("heap", r.heapBytes());
        memory.put("stable", r.stableBytes());
        memory.put("module", r.moduleBytes());
        return n;
    }

    private int subnetIndex(String s) {
        try {
            int index = Integer.parseInt(s);
            if (index < 0 || index >= net.subnets().size()) {
                throw new NotFound("no subnet with index " + index + "; there are " + net.subnets().size());
            }
            return index;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a subnet is named by its index, not '" + s + "'");
        }
    }

    private static Optional<Principal> optionalPrincipal(JsonNode body, String field) {
        return body.has(field) ? Optional.of(principal(body.get(field).asText(), field)) : Optional.empty();
    }

    private static Principal principal(String text, String what) {
        try {
            return Principal.fromText(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage());
        }
    }

    private static JsonNode body(HttpExchange exchange) throws IOException {
        byte[] bytes = exchange.getRequestBody().readAllBytes();
        if (bytes.length == 0) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException("the body is not JSON: " + e.getMessage());
        }
    }

    private static JsonNode error(String message) {
        return JSON.createObjectNode().put("error", message);
    }

    private static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static final class NotFound extends RuntimeException {
        NotFound(String message) {
            super(message);
        }
    }
}
