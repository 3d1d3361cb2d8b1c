package org.replicator.localnet.http;

import java.util.Optional;

/** One of the replica's HTTP routes, with the id from the URL (text form, not yet parsed). */
record Route(Endpoint endpoint, int version, Target target, String id) {
    enum Endpoint {
        STATUS("GET"), CALL("POST"), QUERY("POST"), READ_STATE("POST");

        final String method;

        Endpoint(String method) {
            this.method = method;
        }
    }

    /** Whether the URL names an effective canister or an effective subnet. */
    enum Target {
        CANISTER, SUBNET
    }

    /** Matches {@code /api/v<n>/status} and {@code /api/v<n>/<canister|subnet>/<id>/<call|query|read_state>}. */
    static Optional<Route> match(String path) {
        String[] parts = path.split("/", -1);
        if (parts.length == 4 && parts[0].isEmpty() && parts[1].equals("api") && parts[2].equals("v2")
                && parts[3].equals("status")) {
            return Optional.of(new Route(Endpoint.STATUS, 2, null, null));
        }
        if (parts.length != 6 || !parts[0].isEmpty() || !parts[1].equals("api") || parts[4].isEmpty()) {
            return Optional.empty();
        }
        int version = switch (parts[2]) {
            case "v2" -> 2;
            case "v3" -> 3;
            case "v4" -> 4;
            default -> 0;
        };
        Target target = switch (parts[3]) {
            case "canister" -> Target.CANISTER;
            case "subnet" -> Target.SUBNET;
            default -> null;
        };
        Endpoint endpoint = switch (parts[5]) {
            case "call" -> Endpoint.CALL;
            case "query" -> Endpoint.QUERY;
            case "read_state" -> Endpoint.READ_STATE;
            default -> null;
        };
        if (version == 0 || target == null || endpoint == null || !exists(endpoint, version, target)) {
            return Optional.empty();
        }
        return Optional.of(new Route(endpoint, version, target, parts[4]));
    }

    /** The routes a current replica serves. */
    private static boolean exists(Endpoint endpoint, int version, Target target) {
        return switch (endpoint) {
            case CALL -> target == Target.CANISTER ? version >= 2 : version == 4;
            case QUERY -> target == Target.CANISTER ? version == 2 || version == 3 : version == 3;
            case READ_STATE -> version == 2 || version == 3;
            case STATUS -> false;
        };
    }
}
