package org.replicator.localnet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.replicator.localnet.certification.Certifier;
import org.replicator.localnet.control.ControlHttpHandler;
import org.replicator.localnet.control.LocalNetControl;
import org.replicator.localnet.crypto.BlsKeyPair;
import org.replicator.localnet.crypto.NodeKeyPair;
import org.replicator.localnet.cycles.FeeSchedule;
import org.replicator.localnet.execution.SystemApi;
import org.replicator.localnet.http.GatewayBackend;
import org.replicator.localnet.http.GatewayConfig;
import org.replicator.localnet.http.HttpGateway;
import org.replicator.localnet.http.SubnetPort;
import org.replicator.localnet.ids.CanisterIdRange;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.memory.StableMemory;
import org.replicator.localnet.network.FaultInjector;
import org.replicator.localnet.network.NetworkClock;
import org.replicator.localnet.network.XNetStream;
import org.replicator.localnet.persistence.NetworkStorage;
import org.replicator.localnet.registry.SubnetRecord;
import org.replicator.localnet.subnet.Subnet;
import org.replicator.localnet.subnet.SubnetConfig;
import org.replicator.localnet.subnet.SubnetServices;
import org.replicator.localnet.wasm.CanisterModule;
import org.replicator.localnet.wasm.HostInterface;
import org.replicator.localnet.wasm.InvalidModuleException;
import org.replicator.localnet.wasm.ModuleCompiler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded Internet Computer network: several subnets executing real canister wasm, talking to
 * each other through streams, reachable through the IC's HTTP interface. Start it, point an IC
 * agent at {@link #url()} with {@link #rootKeyDer()} as the root key, and use {@link #control()} to
 * halt subnets, inject faults and read metrics in tests.
 */
public final class LocalNet implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalNet.class);
    /** Canister indices per subnet: subnet i hosts [i * SPAN, (i + 1) * SPAN - 1]. */
    public static final long CANISTERS_PER_SUBNET = 1L << 20;

    private final LocalNetConfig config;
    private final NetworkClock clock = new NetworkClock();
    private final FaultInjector faults = new FaultInjector();
    private final NetworkStorage storage;
    private final ModuleCompiler compiler;
    private final HostInterface host = HostInterface.of(SystemApi.signatures());
    private final List<Subnet> subnets = new ArrayList<>();
    private final List<SubnetRecord> registry = new ArrayList<>();
    private final Map<Principal, Certifier> certifiers = new HashMap<>();
    private final Map<String, XNetStream> streams = new ConcurrentHashMap<>();
    private final Services services = new Services();
    private final HttpGateway gateway;
    private final LocalNetControl control;
    private byte[] rootKeyDer;

    private LocalNet(LocalNetConfig config) {
        this.config = config;
        this.storage = NetworkStorage.open(config.stateDir());
        this.compiler = new ModuleCompiler(config.engine(), storage.compiledModuleCache());
        createSubnets();
        this.gateway = new HttpGateway(new Backend(), GatewayConfig.defaults().withHost(config.host())
                .withPort(config.port()));
        this.control = new LocalNetControl(this);
        gateway.addExtension(ControlHttpHandler.PREFIX, new ControlHttpHandler(this));
    }

    /** Creates and starts a localnet. */
    public static LocalNet start(LocalNetConfig config) {
        warnIfHugeMethodsAreNotCompiled();
        LocalNet net = new LocalNet(config);
        net.storage.restore(net.subnets, wasm -> {
            try {
                return net.services.loadModule(wasm);
            } catch (InvalidModuleException e) {
                throw new IllegalStateException("a persisted module no longer loads: " + e.getMessage(), e);
            }
        });
        for (Subnet s : net.subnets) {
            s.start();
        }
        try {
            net.gateway.start();
        } catch (IOException e) {
            net.close();
            throw new UncheckedIOException("cannot serve the HTTP interface on " + config.host() + ":" + config.port(), e);
        }
        LOG.info("localnet with {} subnets listening on {}", net.subnets.size(), net.url());
        return net;
    }

    private void createSubnets() {
        FeeSchedule fees = FeeSchedule.standard().forSubnetSize(config.nodesPerSubnet());
        SecureRandom random = new SecureRandom();
        List<SubnetConfig> configs = new ArrayList<>();
        for (int i = 0; i < config.subnets(); i++) {
            BlsKeyPair key = storage.subnetKey(i, () -> BlsKeyPair.generate(random));
            NodeKeyPair node = storage.nodeKey(i, () -> NodeKeyPair.generate(random));
            CanisterIdRange range = CanisterIdRange.ofIndices(i * CANISTERS_PER_SUBNET, (i + 1) * CANISTERS_PER_SUBNET - 1);
            SubnetConfig sc = new SubnetConfig(i, i == 0 ? "system" : "application", List.of(range), key, node, fees,
                    config.pacing(), config.roundInterval(), config.heartbeatInterval(), config.limits());
            configs.add(sc);
            registry.add(new SubnetRecord(sc.id(), sc.type(), key.publicKeyDer(), sc.ranges(),
                    Map.of(node.nodeId(), node.publicKeyDer())));
        }
        rootKeyDer = configs.get(0).key().publicKeyDer();
        Certifier rootCertifier = Certifier.forRootSubnet(configs.get(0).key());
        certifiers.put(registry.get(0).id(), rootCertifier);
        for (int i = 1; i < configs.size(); i++) {
            certifiers.put(registry.get(i).id(), Certifier.forSubnet(configs.get(i).key(), rootCertifier,
                    () -> subnets.get(0).certifiedState()));
        }
        for (SubnetConfig sc : configs) {
            subnets.add(new Subnet(sc, services));
        }
    }

    public URI url() {
        return URI.create("http://" + (config.host().contains(":") ? "[" + config.host() + "]" : config.host())
                + ":" + gateway.port());
    }

    public int port() {
        return gateway.port();
    }

    /** The DER-encoded BLS root key that agents verify certificates with. */
    public byte[] rootKeyDer() {
        return rootKeyDer.clone();
    }

    public List<Subnet> subnets() {
        return List.copyOf(subnets);
    }

    public Subnet subnet(int index) {
        return subnets.get(index);
    }

    public List<SubnetRecord> registry() {
        return List.copyOf(registry);
    }

    public LocalNetControl control() {
        return control;
    }

    public NetworkClock clock() {
        return clock;
    }

    public FaultInjector faults() {
        return faults;
    }

    public LocalNetConfig config() {
        return config;
    }

    /** The subnet hosting a canister id, by the routing table. */
    public Optional<Subnet> subnetOf(Principal canisterId) {
        for (int i = 0; i < registry.size(); i++) {
            if (registry.get(i).hosts(canisterId)) {
                return Optional.of(subnets.get(i));
            }
        }
        return Optional.empty();
    }

    /** Stops every subnet after its current round and writes a checkpoint. */
    @Override
    public void close() {
        gateway.stop();
        for (Subnet s : subnets) {
            s.stop();
        }
        storage.close();
        LOG.info("localnet stopped");
    }

    private final class Services implements SubnetServices {
        @Override
        public NetworkClock clock() {
            return clock;
        }

        @Override
        public Optional<Subnet> subnetOf(Principal canisterId) {
            return LocalNet.this.subnetOf(canisterId);
        }

        @Override
        public XNetStream stream(Principal from, Principal to) {
            return streams.computeIfAbsent(from.toHex() + ">" + to.toHex(), k -> new XNetStream(from, to));
        }

        @Override
        public List<SubnetRecord> registry() {
            return registry;
        }

        @Override
        public FaultInjector faults() {
            return faults;
        }

        @Override
        public CanisterModule loadModule(byte[] wasm) throws InvalidModuleException {
            CanisterModule module = compiler.load(wasm, host);
            storage.saveModule(module.sha256(), wasm);
            return module;
        }

        @Override
        public StableMemory newStableMemory(Principal subnet, Principal canister, long generation) {
            return storage.stableMemory(subnet, canister, generation);
        }

        @Override
        public void discard(Principal subnet, Principal canister, long stableGeneration, long runtimeGeneration) {
            storage.discard(subnet, canister, stableGeneration, runtimeGeneration);
        }

        @Override
        public Certifier certifier(Principal subnet) {
            return certifiers.get(subnet);
        }

        @Override
        public void roundCommitted(Subnet subnet) {
            storage.roundCommitted(subnet);
        }

        @Override
        public void wake(Principal subnet) {
            for (Subnet s : subnets) {
                if (s.id().equals(subnet)) {
                    s.wake();
                }
            }
        }
    }

    private final class Backend implements GatewayBackend {
        @Override
        public byte[] rootKeyDer() {
            return rootKeyDer.clone();
        }

        @Override
        public long timeNanos() {
            return clock.nowNanos();
        }

        @Override
        public Optional<SubnetPort> subnetOfCanister(Principal canisterId) {
            return LocalNet.this.subnetOf(canisterId).map(s -> s);
        }

        @Override
        public Optional<SubnetPort> subnet(Principal subnetId) {
            return subnets.stream().filter(s -> s.id().equals(subnetId)).findFirst().map(s -> s);
        }
    }

    /**
     * Canister functions become very large JVM methods; HotSpot does not JIT-compile methods over
     * 8000 bytecodes unless told to, and canisters then run about 14 times slower.
     */
    private static void warnIfHugeMethodsAreNotCompiled() {
        try {
            var hotspot = java.lang.management.ManagementFactory.getPlatformMXBean(
                    com.sun.management.HotSpotDiagnosticMXBean.class);
            if (hotspot != null && "true".equals(hotspot.getVMOption("DontCompileHugeMethods").getValue())) {
                LOG.warn("canisters will run slowly: start the JVM with -XX:-DontCompileHugeMethods");
            }
        } catch (RuntimeException e) {
            // not a HotSpot JVM: nothing to advise
        }
    }

    static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
