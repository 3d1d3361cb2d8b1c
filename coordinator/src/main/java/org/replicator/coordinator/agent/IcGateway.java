package org.replicator.coordinator.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ic4j.agent.Agent;
import org.ic4j.agent.AgentBuilder;
import org.ic4j.agent.AgentError;
import org.ic4j.agent.QueryBuilder;
import org.ic4j.agent.Status;
import org.ic4j.agent.UpdateBuilder;
import org.ic4j.agent.Waiter;
import org.ic4j.agent.certification.Certificate;
import org.ic4j.agent.certification.hashtree.Label;
import org.ic4j.agent.certification.hashtree.LookupResult;
import org.ic4j.agent.requestid.RequestId;
import org.ic4j.candid.parser.IDLArgs;
import org.ic4j.candid.parser.IDLType;
import org.ic4j.candid.parser.IDLValue;
import org.ic4j.candid.types.Type;
import org.ic4j.types.Principal;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.Digest;

/**
 * The coordinator's only way to the IC: ic4j over HTTP with certificate verification always on.
 * Calls are made with raw Candid bytes or ic4j-candid values; every ic4j failure comes out as an
 * {@link IcException} that says what happened in the coordinator's terms.
 */
public final class IcGateway implements AutoCloseable {
    private static final ObjectMapper CBOR = new ObjectMapper(new CBORFactory());
    private static final Pattern REPLICA_ERROR = Pattern.compile("code (\\w+), message: \"?(.*?)\"?$", Pattern.DOTALL);
    private static final PrincipalId MANAGEMENT = new PrincipalId("aaaaa-aa");

    private final Network network;
    private final LoadedIdentity identity;
    private final JdkHttpTransport transport;
    private final Agent agent;
    private final byte[] rootKey;
    private final Duration timeout;

    private IcGateway(Network network, LoadedIdentity identity, JdkHttpTransport transport, Agent agent, byte[] rootKey,
            Duration timeout) {
        this.network = network;
        this.identity = identity;
        this.transport = transport;
        this.agent = agent;
        this.rootKey = rootKey;
        this.timeout = timeout;
    }

    /**
     * Connects to a network: for a network whose key is not pinned, this fetches the root key from
     * {@code /api/v2/status}, which also proves the URL answers as an IC replica.
     */
    public static IcGateway connect(Network network, LoadedIdentity identity, Duration timeout) {
        JdkHttpTransport transport = new JdkHttpTransport(network.url(), Duration.ofSeconds(5), timeout);
        Agent agent = new AgentBuilder().transport(transport).identity(identity.identity()).build();
        try {
            byte[] rootKey;
            if (network.pinnedRootKey().isPresent()) {
                rootKey = network.pinnedRootKey().get();
            } else {
                Status status = await(agent.status(), timeout);
                if (status.rootKey == null || status.rootKey.isEmpty()) {
                    throw new IcProtocolException(network.url() + " answered /api/v2/status without a root key;"
                            + " it is not an IC replica, or a mainnet boundary node (use --network ic)", null);
                }
                rootKey = status.rootKey.get();
            }
            agent.setRootKey(rootKey);
            return new IcGateway(network, identity, transport, agent, rootKey, timeout);
        } catch (IcException e) {
            agent.close();
            throw e;
        } catch (Throwable t) {
            agent.close();
            throw translate(t, "reading the status of " + network.url(), null, network, identity.principal());
        }
    }

    public Network network() {
        return network;
    }

    /** Requests and bytes this gateway has exchanged with the IC so far; subtract two snapshots for a span. */
    public IcTraffic traffic() {
        return transport.traffic();
    }

    /** The principal calls are made as. */
    public PrincipalId caller() {
        return identity.principal();
    }

    /**
     * The canister's subnet, controllers and module hash, from a certificate of the canister's
     * subnet; anyone may ask. A canister that does not exist is an {@link UnknownCanisterException}.
     */
    public CanisterInfo canisterInfo(PrincipalId canister) {
        String what = "reading the state of canister " + canister;
        Principal id = canister.toIc4j();
        // ic4j changes the lists it is given
        List<List<byte[]>> paths = new ArrayList<>();
        paths.add(new ArrayList<>(List.of(bytes("canister"), id.getValue(), bytes("controllers"))));
        paths.add(new ArrayList<>(List.of(bytes("canister"), id.getValue(), bytes("module_hash"))));
        Agent.CertificateResponse response;
        try {
            response = await(agent.readStateRaw(id, paths, null), timeout);
        } catch (Throwable t) {
            throw translate(t, what, canister, network, caller());
        }
        Certificate certificate = response.certificate;
        LookupResult controllers = certificate.tree.lookupPath(path("canister", id.getValue(), "controllers"));
        if (controllers.status != LookupResult.LookupResultStatus.FOUND) {
            throw new UnknownCanisterException(canister, network.url(), "its subnet certifies no such canister");
        }
        LookupResult moduleHash = certificate.tree.lookupPath(path("canister", id.getValue(), "module_hash"));
        Optional<Digest> hash = moduleHash.status == LookupResult.LookupResultStatus.FOUND
                ? Optional.of(Digest.of(moduleHash.value)) : Optional.empty();
        PrincipalId subnet = certificate.delegation != null && certificate.delegation.isPresent()
                ? PrincipalId.ofBytes(certificate.delegation.get().subnetId)
                : PrincipalId.of(Principal.selfAuthenticating(rootKey));
        return new CanisterInfo(canister, subnet, decodeControllers(controllers.value, what), hash);
    }

    /**
     * Every subnet of the network with its type and canister ranges, from a certificate of the
     * {@code /subnet} subtree (read_state, which anyone may ask; agents read the same paths to check
     * a delegation's ranges). The request is routed by {@code anyCanister}, any existing canister.
     */
    public List<SubnetInfo> subnets(PrincipalId anyCanister) {
        String what = "reading the network's subnets through canister " + anyCanister;
        Principal id = anyCanister.toIc4j();
        List<List<byte[]>> paths = new ArrayList<>();
        paths.add(new ArrayList<>(List.of(bytes("subnet"))));
        Agent.CertificateResponse response;
        try {
            response = await(agent.readStateRaw(id, paths, null), timeout);
        } catch (Throwable t) {
            throw translate(t, what, anyCanister, network, caller());
        }
        Certificate certificate = response.certificate;
        Map<PrincipalId, String> types = new TreeMap<>();
        Map<PrincipalId, List<CanisterRange>> ranges = new TreeMap<>();
        for (List<Label> p : certificate.tree.listPaths()) {
            if (p.size() != 3 || !"subnet".equals(new String(p.get(0).get(), StandardCharsets.UTF_8))) {
                continue;
            }
            PrincipalId subnet = PrincipalId.ofBytes(p.get(1).get());
            String leaf = new String(p.get(2).get(), StandardCharsets.UTF_8);
            LookupResult value = certificate.tree.lookupPath(new ArrayList<>(p));
            if (value.status != LookupResult.LookupResultStatus.FOUND) {
                continue;
            }
            if (leaf.equals("type")) {
                types.put(subnet, new String(value.value, StandardCharsets.UTF_8));
            } else if (leaf.equals("canister_ranges")) {
                ranges.put(subnet, decodeRanges(value.value, what));
            }
        }
        if (ranges.isEmpty()) {
            throw new IcProtocolException(what + ": " + network.url() + " certified no subnet with canister ranges", null);
        }
        List<SubnetInfo> result = new ArrayList<>();
        ranges.forEach((subnet, r) -> result.add(new SubnetInfo(subnet, types.getOrDefault(subnet, ""), r)));
        return result;
    }

    /** canister_status from the management canister; only a controller may ask. */
    public CanisterStatus canisterStatus(PrincipalId canister) {
        byte[] reply = update(MANAGEMENT, canister, "canister_status", canisterIdArg(canister));
        try {
            Map<?, ?> record = (Map<?, ?>) IDLArgs.fromBytes(reply).getArgs().get(0).getValue();
            Map<?, ?> status = (Map<?, ?>) field(record, "status");
            CanisterStatus.RunState state = CanisterStatus.RunState.RUNNING;
            for (CanisterStatus.RunState s : CanisterStatus.RunState.values()) {
                if (status.containsKey(org.ic4j.candid.types.Label.createNamedLabel(s.name().toLowerCase()))) {
                    state = s;
                }
            }
            Optional<?> hash = (Optional<?>) field(record, "module_hash");
            Map<?, ?> settings = (Map<?, ?>) field(record, "settings");
            List<PrincipalId> controllers = new ArrayList<>();
            for (Object p : (Object[]) field(settings, "controllers")) {
                controllers.add(PrincipalId.of((Principal) p));
            }
            return new CanisterStatus(canister, state, hash.map(h -> Digest.of(unbox((Object[]) h))), controllers,
                    (BigInteger) field(record, "cycles"), (BigInteger) field(record, "memory_size"));
        } catch (RuntimeException e) {
            throw new IcProtocolException("canister_status of " + canister + " answered in an unexpected shape: " + e, e);
        }
    }

    /**
     * update_settings with only {@code controllers} set: they replace the canister's controllers
     * (the other settings stay). Only a controller may ask; a caller that leaves itself out loses
     * control with this call.
     */
    public void updateSettings(PrincipalId canister, List<PrincipalId> controllers) {
        if (controllers.isEmpty()) {
            throw new IllegalArgumentException("update_settings with no controllers would leave " + canister
                    + " uncontrollable");
        }
        Principal[] ids = controllers.stream().map(PrincipalId::toIc4j).toArray(Principal[]::new);
        Candid.RecordBuilder settings = Candid.record().field("controllers", Optional.of(ids),
                Candid.optType(Candid.vecType(IDLType.createType(Type.PRINCIPAL))));
        byte[] arg = Candid.record().principal("canister_id", canister)
                .field("settings", settings.values(), settings.type()).toArg();
        update(MANAGEMENT, canister, "update_settings", arg);
    }

    /** stop_canister: the canister finishes its open calls and then accepts none; only a controller may ask. */
    public void stopCanister(PrincipalId canister) {
        update(MANAGEMENT, canister, "stop_canister", canisterIdArg(canister));
    }

    /** start_canister: a stopped canister accepts calls again. */
    public void startCanister(PrincipalId canister) {
        update(MANAGEMENT, canister, "start_canister", canisterIdArg(canister));
    }

    /** Installs {@code wasm} into an empty canister the caller controls, with {@code initArg} (Candid). */
    public void installCode(PrincipalId canister, byte[] wasm, byte[] initArg) {
        update(MANAGEMENT, canister, "install_code", installArg(canister, wasm, initArg));
    }

    /**
     * install_code's argument with mode {install}. ic4j writes every variant as its first case, so
     * the type declares the one case sent (a valid subtype of the full variant).
     */
    static byte[] installArg(PrincipalId canister, byte[] wasm, byte[] init) {
        org.ic4j.candid.types.Label install = org.ic4j.candid.types.Label.createNamedLabel("install");
        Map<org.ic4j.candid.types.Label, Object> mode = new TreeMap<>();
        mode.put(install, null);
        Map<org.ic4j.candid.types.Label, IDLType> modeType = new TreeMap<>();
        modeType.put(install, IDLType.createType(Type.NULL));
        Candid.RecordBuilder arg = Candid.record()
                .field("mode", mode, IDLType.createType(Type.VARIANT, modeType))
                .principal("canister_id", canister)
                .blob("wasm_module", wasm)
                .blob("arg", init);
        return IDLArgs.create(List.of(arg.value())).toBytes();
    }

    /** An update call with a Candid argument; returns the Candid reply. */
    public byte[] update(PrincipalId canister, String method, byte[] candidArg) {
        return update(canister, canister, method, candidArg);
    }

    /** An update call routed by {@code effectiveCanister} (the management canister's calls need one). */
    public byte[] update(PrincipalId canister, PrincipalId effectiveCanister, String method, byte[] candidArg) {
        String what = "update " + method + " on " + describe(canister, effectiveCanister);
        UpdateBuilder builder = UpdateBuilder.create(agent, canister.toIc4j(), method)
                .effectiveCanisterId(effectiveCanister.toIc4j()).arg(candidArg);
        try {
            RequestId requestId = await(builder.call(), timeout);
            Optional<JdkHttpTransport.Refusal> refused = transport.takeRefusal(requestId);
            if (refused.isPresent()) {
                throw refusal(refused.get(), what, effectiveCanister);
            }
            int seconds = (int) Math.max(1, timeout.toSeconds());
            return await(builder.getState(requestId, Waiter.create(seconds, 1)), timeout.plusSeconds(5));
        } catch (IcException e) {
            throw e;
        } catch (Throwable t) {
            throw translate(t, what, effectiveCanister, network, caller());
        }
    }

    public byte[] query(PrincipalId canister, String method, byte[] candidArg) {
        String what = "query " + method + " on " + canister;
        try {
            return await(QueryBuilder.create(agent, canister.toIc4j(), method).arg(candidArg).call(), timeout);
        } catch (Throwable t) {
            throw translate(t, what, canister, network, caller());
        }
    }

    public IDLArgs update(PrincipalId canister, String method, IDLArgs args) {
        return IDLArgs.fromBytes(update(canister, method, args.toBytes()));
    }

    public IDLArgs query(PrincipalId canister, String method, IDLArgs args) {
        return IDLArgs.fromBytes(query(canister, method, args.toBytes()));
    }

    @Override
    public void close() {
        agent.close();
    }

    // ---- translation of ic4j's failures ---------------------------------------------------------

    static IcException translate(Throwable thrown, String what, PrincipalId canister, Network network,
            PrincipalId caller) {
        Throwable t = thrown;
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof IcException e) {
            return e;
        }
        if (t instanceof TimeoutException) {
            return new IcProtocolException(what + " got no answer from " + network.url() + " in time", t);
        }
        if (!(t instanceof AgentError error)) {
            return new IcProtocolException(what + " failed: " + t, t);
        }
        String message = String.valueOf(error.getMessage());
        switch (error.getCode()) {
            case HTTP_ERROR:
            case TRANSPORT_ERROR:
                return new IcUnreachableException(network.url(), message.replace("The replica returned an HTTP Error: ", ""),
                        t);
            case REPLICA_ERROR: {
                Matcher m = REPLICA_ERROR.matcher(message);
                int code = 0;
                String text = message;
                if (m.find()) {
                    code = rejectCode(m.group(1));
                    text = m.group(2);
                }
                return classify(code, text, what, canister, network, caller, t);
            }
            case MESSAGE_ERROR: {
                String body = message.replace("A tool returned a string message error: ", "").trim();
                return classify(0, body, what, canister, network, caller, t);
            }
            case CERTIFICATE_VERIFICATION_FAILED:
            case CERTIFICATE_NOT_AUTHORIZED:
            case DER_KEY_LENGTH_MISMATCH:
            case DER_PREFIX_MISMATCH:
                return new IcProtocolException(what + ": the certificate from " + network.url() + " does not verify"
                        + " against the " + (network.trustsFetchedRootKey() ? "root key it served" : "IC mainnet root key")
                        + "; this is not the network --network names, or something between is tampering", t);
            case TIMEOUT_WAITING_FOR_RESPONSE:
                return new IcProtocolException(what + " got no result from " + network.url() + " in time", t);
            case INVALID_CBOR_DATA:
                return new IcProtocolException(what + ": " + network.url() + " does not answer as an IC replica ("
                        + message + ")", t);
            default:
                if (message.contains("canister_not_found")) {
                    // A boundary node's (or the localnet's) answer for an id outside every subnet's range.
                    return classify(0, message, what, canister, network, caller, t);
                }
                return new IcProtocolException(what + " failed: " + message, t);
        }
    }

    private static IcException classify(int code, String text, String what, PrincipalId canister, Network network,
            PrincipalId caller, Throwable cause) {
        String lower = text.toLowerCase();
        if (canister != null && (lower.contains("ic0301") || lower.contains("not in the canister ranges")
                || lower.contains("canister_not_found")
                || (lower.contains("canister") && lower.contains("not found")))) {
            return new UnknownCanisterException(canister, network.url(), text);
        }
        if (canister != null && (lower.contains("only controllers") || lower.contains("not a controller")
                || lower.contains("ic0512"))) {
            return new NotAControllerException(canister, caller, text, cause);
        }
        if (code == 0) {
            return new IcProtocolException(what + " failed: " + network.url() + " answered: " + text, cause);
        }
        return new IcRejectedException(what, code, text, cause);
    }

    private IcException refusal(JdkHttpTransport.Refusal r, String what, PrincipalId canister) {
        return classify(r.rejectCode(), r.message(), what, canister, network, caller(), null);
    }

    /** Updates report the reject code as a number, queries as ic4j's RejectCode name. */
    private static int rejectCode(String reported) {
        return switch (reported) {
            case "SysFatal" -> 1;
            case "SysTransient" -> 2;
            case "DestinationInvalid" -> 3;
            case "CanisterReject" -> 4;
            case "CanisterError" -> 5;
            default -> {
                try {
                    yield Integer.parseInt(reported);
                } catch (NumberFormatException e) {
                    yield 0;
                }
            }
        };
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private static <T> T await(Future<T> future, Duration timeout) throws Exception {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw e;
        }
    }

    private static String describe(PrincipalId canister, PrincipalId effective) {
        return canister.equals(effective) ? canister.text() : canister + " for " + effective;
    }

    private static List<PrincipalId> decodeControllers(byte[] cbor, String what) {
        try {
            JsonNode node = CBOR.readTree(cbor);
            List<PrincipalId> controllers = new ArrayList<>();
            for (JsonNode c : node) {
                controllers.add(PrincipalId.ofBytes(c.binaryValue()));
            }
            return controllers;
        } catch (IOException | RuntimeException e) {
            throw new IcProtocolException(what + ": the certified controllers are not a CBOR list of principals", e);
        }
    }

    /** {@code /subnet/<id>/canister_ranges}: CBOR {@code [* [start, end]]} of principals' bytes. */
    private static List<CanisterRange> decodeRanges(byte[] cbor, String what) {
        try {
            List<CanisterRange> ranges = new ArrayList<>();
            for (JsonNode pair : CBOR.readTree(cbor)) {
                ranges.add(new CanisterRange(PrincipalId.ofBytes(pair.get(0).binaryValue()),
                        PrincipalId.ofBytes(pair.get(1).binaryValue())));
            }
            return ranges;
        } catch (IOException | RuntimeException e) {
            throw new IcProtocolException(what + ": certified canister ranges are not a CBOR list of id pairs", e);
        }
    }

    private static List<Label> path(String first, byte[] id, String last) {
        // a fresh, mutable list: ic4j's lookup consumes the path it is given
        return new ArrayList<>(List.of(new Label(bytes(first)), new Label(id), new Label(bytes(last))));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] canisterIdArg(PrincipalId canister) {
        Map<org.ic4j.candid.types.Label, Object> value = new TreeMap<>();
        Map<org.ic4j.candid.types.Label, IDLType> type = new TreeMap<>();
        value.put(org.ic4j.candid.types.Label.createNamedLabel("canister_id"), canister.toIc4j());
        type.put(org.ic4j.candid.types.Label.createNamedLabel("canister_id"), IDLType.createType(Type.PRINCIPAL));
        return IDLArgs.create(List.of(IDLValue.create(value, IDLType.createType(Type.RECORD, type)))).toBytes();
    }

    private static Object field(Map<?, ?> record, String name) {
        Object v = record.get(org.ic4j.candid.types.Label.createNamedLabel(name));
        if (v == null && !record.containsKey(org.ic4j.candid.types.Label.createNamedLabel(name))) {
            throw new IllegalStateException("no field " + name);
        }
        return v;
    }

    private static byte[] unbox(Object[] boxed) {
        byte[] bytes = new byte[boxed.length];
        for (int i = 0; i < boxed.length; i++) {
            bytes[i] = (Byte) boxed[i];
        }
        return bytes;
    }
}
