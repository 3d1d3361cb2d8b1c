package org.replicator.localnet.testing;

import java.math.BigInteger;
import java.net.URI;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ic4j.agent.Agent;
import org.ic4j.agent.AgentBuilder;
import org.ic4j.agent.AgentError;
import org.ic4j.agent.QueryBuilder;
import org.ic4j.agent.UpdateBuilder;
import org.ic4j.agent.Waiter;
import org.ic4j.agent.http.ReplicaApacheHttpTransport;
import org.ic4j.agent.identity.BasicIdentity;
import org.ic4j.agent.identity.Identity;
import org.ic4j.agent.requestid.RequestId;
import org.ic4j.candid.parser.IDLArgs;
import org.ic4j.candid.parser.IDLType;
import org.ic4j.candid.parser.IDLValue;
import org.ic4j.candid.types.Label;
import org.ic4j.candid.types.Type;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.ids.Principal;

/**
 * A test's view of the network: an ic4j agent over HTTP, with certificate verification on, and
 * helpers for the management canister. Failures come back as {@link Rejected} with the IC's
 * reject code and message.
 */
public final class IcClient implements AutoCloseable {
    private static final BigInteger DEFAULT_CYCLES = new BigInteger("100000000000000");
    private static final Pattern REPLICA_ERROR = Pattern.compile("code (\\w+), message: \"?(.*?)\"?$", Pattern.DOTALL);
    private static final IDLType BLOB = IDLType.createType(Type.VEC, IDLType.createType(Type.NAT8));

    private final Agent agent;
    private final Identity identity;
    private final RefusalAwareTransport transport;

    public IcClient(URI url, Identity identity) {
        this.identity = identity;
        try {
            this.transport = new RefusalAwareTransport(ReplicaApacheHttpTransport.create(url.toString(), 50, 50, 300, 180));
            this.agent = new AgentBuilder()
                    .transport(transport)
                    .identity(identity)
                    .build();
            agent.fetchRootKey();
        } catch (Exception e) {
            throw new IllegalStateException("cannot connect an agent to " + url, e);
        }
    }

    /** A client with a fresh Ed25519 identity. */
    public static IcClient forNet(LocalNet net) {
        return new IcClient(net.url(), newIdentity());
    }

    public static Identity newIdentity() {
        try {
            return BasicIdentity.fromKeyPair(KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Principal principal() {
        return Principal.of(identity.sender().getValue());
    }

    public Agent agent() {
        return agent;
    }

    /** The IC rejected a call: reject code and message as the agent reported them. */
    public static final class Rejected extends RuntimeException {
        private final String code;

        public Rejected(String code, String message) {
            super(message);
            this.code = code;
        }

        /** The reject code as the agent reports it: a number for updates, a name for queries. */
        public String code() {
            return code;
        }
    }

    public byte[] update(Principal canister, String method, byte[] arg) {
        return update(canister, canister, method, arg);
    }

    public byte[] update(Principal canister, Principal effectiveCanisterId, String method, byte[] arg) {
        return submit(canister, effectiveCanisterId, method, arg).await();
    }

    /** Sends an update call without waiting for its result. */
    public PendingCall submit(Principal canister, String method, byte[] arg) {
        return submit(canister, canister, method, arg);
    }

    public PendingCall submit(Principal canister, Principal effectiveCanisterId, String method, byte[] arg) {
        UpdateBuilder builder = UpdateBuilder.create(agent, ic4j(canister), method)
                .effectiveCanisterId(ic4j(effectiveCanisterId))
                .arg(arg);
        try {
            RequestId id = builder.call().get(30, TimeUnit.SECONDS);
            Optional<Rejected> refused = transport.refusal(id);
            if (refused.isPresent()) {
                throw refused.get();
            }
            return new PendingCall(builder, id, method + " on " + canister);
        } catch (ExecutionException e) {
            throw translate(e.getCause());
        } catch (AgentError e) {
            throw translate(e);
        } catch (InterruptedException | TimeoutException e) {
            throw new IllegalStateException("update " + method + " on " + canister + " could not be sent", e);
        }
    }

    /** An update call that was accepted; its result is fetched by polling its request status. */
    public static final class PendingCall {
        private final UpdateBuilder builder;
        private final RequestId requestId;
        private final String what;

        PendingCall(UpdateBuilder builder, RequestId requestId, String what) {
            this.builder = builder;
            this.requestId = requestId;
            this.what = what;
        }

        public byte[] await() {
            try {
                return builder.getState(requestId, Waiter.create(120, 1)).get(150, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw translate(e.getCause());
            } catch (AgentError e) {
                throw translate(e);
            } catch (InterruptedException | TimeoutException e) {
                throw new IllegalStateException("update " + what + " did not finish", e);
            }
        }
    }

    public byte[] query(Principal canister, String method, byte[] arg) {
        try {
            return QueryBuilder.create(agent, ic4j(canister), method).arg(arg).call().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw translate(e.getCause());
        } catch (AgentError e) {
            throw translate(e);
        } catch (InterruptedException | TimeoutException e) {
            throw new IllegalStateException("query " + method + " on " + canister + " did not finish", e);
        }
    }

    private static RuntimeException translate(Throwable t) {
        if (t instanceof AgentError e && e.getCode() == AgentError.AgentErrorCode.REPLICA_ERROR) {
            Matcher m = REPLICA_ERROR.matcher(e.getMessage());
            if (m.find()) {
                return new Rejected(m.group(1), m.group(2));
            }
            return new Rejected("?", e.getMessage());
        }
        if (t instanceof RuntimeException r) {
            return r;
        }
        return new IllegalStateException(t);
    }

    // ---- management canister ------------------------------------------------------------------

    /** Creates a canister on the given subnet (by its index) with provisional cycles. */
    public Principal createCanister(int subnetIndex) {
        return createCanister(subnetIndex, DEFAULT_CYCLES);
    }

    public Principal createCanister(int subnetIndex, BigInteger cycles) {
        Principal ecid = Principal.canister(subnetIndex * LocalNet.CANISTERS_PER_SUBNET);
        Map<Label, Object> v = new TreeMap<>();
        Map<Label, IDLType> t = new TreeMap<>();
        v.put(label("amount"), Optional.ofNullable(cycles));
        t.put(label("amount"), IDLType.createType(Type.OPT, IDLType.createType(Type.NAT)));
        v.put(label("settings"), Optional.empty());
        t.put(label("settings"), IDLType.createType(Type.OPT, IDLType.createType(Type.RECORD, new TreeMap<Label, IDLType>())));
        v.put(label("specified_id"), Optional.empty());
        t.put(label("specified_id"), IDLType.createType(Type.OPT, IDLType.createType(Type.PRINCIPAL)));
        byte[] reply = update(Principal.managementCanister(), ecid, "provisional_create_canister_with_cycles",
                record(v, t));
        Map<Label, Object> result = IDLArgs.fromBytes(reply).getArgs().get(0).getValue();
        return Principal.of(((org.ic4j.types.Principal) result.get(label("canister_id"))).getValue());
    }

    public void install(Principal canister, byte[] wasm, String mode, byte[] arg) {
        Map<Label, Object> modeV = new TreeMap<>();
        Map<Label, IDLType> modeT = new TreeMap<>();
        if (mode.equals("upgrade")) {
            modeV.put(label("upgrade"), Optional.empty());
            modeT.put(label("upgrade"), IDLType.createType(Type.OPT,
                    IDLType.createType(Type.RECORD, new TreeMap<Label, IDLType>())));
        } else {
            modeV.put(label(mode), null);
            modeT.put(label(mode), IDLType.createType(Type.NULL));
        }
        Map<Label, Object> v = new TreeMap<>();
        Map<Label, IDLType> t = new TreeMap<>();
        v.put(label("mode"), modeV);
        t.put(label("mode"), IDLType.createType(Type.VARIANT, modeT));
        v.put(label("canister_id"), ic4j(canister));
        t.put(label("canister_id"), IDLType.createType(Type.PRINCIPAL));
        v.put(label("wasm_module"), wasm);
        t.put(label("wasm_module"), BLOB);
        v.put(label("arg"), arg);
        t.put(label("arg"), BLOB);
        update(Principal.managementCanister(), canister, "install_code", record(v, t));
    }

    /** Creates a canister on a subnet and installs the module with an empty init argument. */
    public Principal deploy(int subnetIndex, byte[] wasm) {
        Principal id = createCanister(subnetIndex);
        install(id, wasm, "install", new byte[0]);
        return id;
    }

    public void stop(Principal canister) {
        update(Principal.managementCanister(), canister, "stop_canister", canisterIdRecord(canister));
    }

    public void start(Principal canister) {
        update(Principal.managementCanister(), canister, "start_canister", canisterIdRecord(canister));
    }

    public void delete(Principal canister) {
        update(Principal.managementCanister(), canister, "delete_canister", canisterIdRecord(canister));
    }

    /** canister_status, decoded without types: field name to value. */
    public Map<Label, Object> status(Principal canister) {
        byte[] reply = update(Principal.managementCanister(), canister, "canister_status", canisterIdRecord(canister));
        return IDLArgs.fromBytes(reply).getArgs().get(0).getValue();
    }

    public void setControllers(Principal canister, List<Principal> controllers) {
        Map<Label, Object> settingsV = new TreeMap<>();
        Map<Label, IDLType> settingsT = new TreeMap<>();
        settingsV.put(label("controllers"), Optional.of(controllers.stream().map(IcClient::ic4j)
                .toArray(org.ic4j.types.Principal[]::new)));
        settingsT.put(label("controllers"), IDLType.createType(Type.OPT,
                IDLType.createType(Type.VEC, IDLType.createType(Type.PRINCIPAL))));
        updateSettings(canister, settingsV, settingsT);
    }

    public void setFreezingThreshold(Principal canister, BigInteger seconds) {
        Map<Label, Object> settingsV = new TreeMap<>();
        Map<Label, IDLType> settingsT = new TreeMap<>();
        settingsV.put(label("freezing_threshold"), Optional.of(seconds));
        settingsT.put(label("freezing_threshold"), IDLType.createType(Type.OPT, IDLType.createType(Type.NAT)));
        updateSettings(canister, settingsV, settingsT);
    }

    private void updateSettings(Principal canister, Map<Label, Object> settingsV, Map<Label, IDLType> settingsT) {
        Map<Label, Object> v = new TreeMap<>();
        Map<Label, IDLType> t = new TreeMap<>();
        v.put(label("canister_id"), ic4j(canister));
        t.put(label("canister_id"), IDLType.createType(Type.PRINCIPAL));
        v.put(label("settings"), settingsV);
        t.put(label("settings"), IDLType.createType(Type.RECORD, settingsT));
        update(Principal.managementCanister(), canister, "update_settings", record(v, t));
    }

    public static byte[] canisterIdRecord(Principal canister) {
        Map<Label, Object> v = new TreeMap<>();
        Map<Label, IDLType> t = new TreeMap<>();
        v.put(label("canister_id"), ic4j(canister));
        t.put(label("canister_id"), IDLType.createType(Type.PRINCIPAL));
        return record(v, t);
    }

    public static byte[] record(Map<Label, Object> values, Map<Label, IDLType> types) {
        return IDLArgs.create(List.of(IDLValue.create(values, IDLType.createType(Type.RECORD, types)))).toBytes();
    }

    public static Label label(String name) {
        return Label.createNamedLabel(name);
    }

    public static org.ic4j.types.Principal ic4j(Principal p) {
        return org.ic4j.types.Principal.from(p.bytes());
    }

    @Override
    public void close() {
        agent.close();
    }
}
