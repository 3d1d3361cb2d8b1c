package org.replicator.coordinator.agent;

/**
 * What went over the coordinator's HTTP connection to the IC: requests by kind and the bytes of
 * their bodies (CBOR envelopes sent, answers received; HTTP headers are not counted). An update
 * is one {@code call} request plus the {@code read_state} polls that fetch its certified reply;
 * reading a canister's controllers or the subnets is a {@code read_state} too.
 */
public record IcTraffic(long updateCalls, long queryCalls, long readStateCalls, long statusCalls, long bytesSent,
        long bytesReceived) {
    public static final IcTraffic NONE = new IcTraffic(0, 0, 0, 0, 0, 0);

    /** The traffic since {@code earlier}, a snapshot taken before this one. */
    public IcTraffic minus(IcTraffic earlier) {
        return new IcTraffic(updateCalls - earlier.updateCalls, queryCalls - earlier.queryCalls,
                readStateCalls - earlier.readStateCalls, statusCalls - earlier.statusCalls,
                bytesSent - earlier.bytesSent, bytesReceived - earlier.bytesReceived);
    }

    public long requests() {
        return updateCalls + queryCalls + readStateCalls + statusCalls;
    }

    public long bytes() {
        return bytesSent + bytesReceived;
    }
}
