package org.replicator.localnet.http;

import org.replicator.localnet.cbor.CborArray;
import org.replicator.localnet.cbor.CborMap;
import org.replicator.localnet.crypto.NodeKeyPair;
import org.replicator.localnet.ids.RequestId;
import org.replicator.localnet.messages.CallResult;
import org.replicator.localnet.messages.ErrorCode;
import org.replicator.localnet.messages.RejectCode;

/**
 * Query responses as the replica sends them: {@code status} first (ic4j's order-sensitive parser
 * needs it), {@code error_code} always present on rejects (ic4j's signature check reads it), and
 * one Ed25519 node signature over {@code "\x0Bic-response" · hash_of_map(response, timestamp,
 * request_id)} with a nanosecond timestamp.
 */
final class QueryResponses {
    static final byte[] RESPONSE_DOMAIN = EnvelopeValidator.domain("ic-response");

    private QueryResponses() {
    }

    static CborMap signed(CallResult result, RequestId requestId, long timestampNanos, NodeKeyPair node) {
        CborMap.Builder response = CborMap.builder();
        CborMap.Builder signable = CborMap.builder();
        if (result instanceof CallResult.Replied replied) {
            CborMap reply = CborMap.builder().put("arg", replied.payload()).build();
            response.put("status", "replied").put("reply", reply);
            signable.put("status", "replied").put("reply", reply);
        } else {
            CallResult.Rejected rejected = (CallResult.Rejected) result;
            String errorCode = errorCodeOf(rejected).text();
            response.put("status", "rejected")
                    .putUnsigned("reject_code", rejected.rejectCode().code())
                    .put("reject_message", rejected.message())
                    .put("error_code", errorCode);
            signable.put("status", "rejected")
                    .putUnsigned("reject_code", rejected.rejectCode().code())
                    .put("reject_message", rejected.message())
                    .put("error_code", errorCode);
        }
        signable.putUnsigned("timestamp", timestampNanos).put("request_id", requestId.bytes());
        byte[] signature = node.sign(EnvelopeValidator.concat(RESPONSE_DOMAIN, RequestIds.hashOfMap(signable.build())));
        CborMap nodeSignature = CborMap.builder()
                .putUnsigned("timestamp", timestampNanos)
                .put("signature", signature)
                .put("identity", node.nodeId().bytes())
                .build();
        return response.put("signatures", CborArray.of(nodeSignature)).build();
    }

    /** The replica always names an error code; a canister's own reject is IC0406. */
    private static ErrorCode errorCodeOf(CallResult.Rejected rejected) {
        if (rejected.errorCode() != null) {
            return rejected.errorCode();
        }
        if (rejected.rejectCode() == RejectCode.CANISTER_REJECT) {
            return ErrorCode.CANISTER_REJECTED_MESSAGE;
        }
        for (ErrorCode code : ErrorCode.values()) {
            if (code.rejectCode() == rejected.rejectCode()) {
                return code;
            }
        }
        return ErrorCode.CANISTER_REJECTED_MESSAGE;
    }
}
