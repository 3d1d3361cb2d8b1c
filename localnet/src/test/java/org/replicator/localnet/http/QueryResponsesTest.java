package org.replicator.localnet.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import java.util.List;
import org.ic4j.agent.replicaapi.NodeSignature;
import org.ic4j.agent.replicaapi.QueryResponse;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.cbor.CborMap;
import org.replicator.localnet.cbor.CborReader;
import org.replicator.localnet.cbor.CborText;
import org.replicator.localnet.cbor.CborWriter;
import org.replicator.localnet.crypto.NodeKeyPair;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.ids.RequestId;
import org.replicator.localnet.messages.CallResult;
import org.replicator.localnet.messages.ErrorCode;
import org.replicator.localnet.messages.RejectCode;

class QueryResponsesTest {
    private static final long TIMESTAMP = 1_700_000_000_123_456_789L;
    private final NodeKeyPair node = NodeKeyPair.fromSeed(new byte[32]);
    private final RequestId requestId = RequestIds.of(TestRequests.query(Principal.anonymous(), Principal.canister(1),
            "greet", TestRequests.EXPIRY));

    private QueryResponse parseWithIc4j(CborMap response) throws Exception {
        return new ObjectMapper(new CBORFactory()).registerModule(new Jdk8Module())
                .readValue(CborWriter.encode(response, true), QueryResponse.class);
    }

    private boolean ic4jSignableVerifies(QueryResponse parsed) {
        NodeSignature signature = parsed.signatures.get(0);
        byte[] signable = parsed.signable(org.ic4j.agent.requestid.RequestId.fromHex(requestId.bytes()),
                signature.timestamp);
        return NodeKeyPair.verify(signature.signature, signable, node.publicKey());
    }

    @Test
    void aReplyPutsStatusFirstAndIc4jParsesAndVerifiesIt() throws Exception {
        CborMap response = QueryResponses.signed(new CallResult.Replied(new byte[] {'D', 'I', 'D', 'L', 0, 0}),
                requestId, TIMESTAMP, node);
        assertEquals(new CborText("status"), response.entries().keySet().iterator().next());
        QueryResponse parsed = parseWithIc4j(response);
        assertEquals(QueryResponse.InnerStatus.REPLIED_STATUS, parsed.status);
        assertArrayEquals(new byte[] {'D', 'I', 'D', 'L', 0, 0}, parsed.replied.orElseThrow().arg);
        assertEquals(1, parsed.signatures.size());
        assertEquals(TIMESTAMP, parsed.signatures.get(0).timestamp);
        assertEquals(org.ic4j.types.Principal.from(node.nodeId().bytes()), parsed.signatures.get(0).identity);
        assertTrue(ic4jSignableVerifies(parsed));
    }

    @Test
    void aRejectAlwaysCarriesAnErrorCodeAndIc4jVerifiesItsSignature() throws Exception {
        CborMap response = QueryResponses.signed(new CallResult.Rejected(RejectCode.DESTINATION_INVALID,
                "no such method", ErrorCode.CANISTER_METHOD_NOT_FOUND), requestId, TIMESTAMP, node);
        assertEquals(List.of("status", "reject_code", "reject_message", "error_code", "signatures"),
                response.entries().keySet().stream().map(k -> ((CborText) k).value()).toList());
        QueryResponse parsed = parseWithIc4j(response);
        assertEquals(QueryResponse.InnerStatus.REJECTED_STATUS, parsed.status);
        assertEquals("no such method", parsed.rejected.orElseThrow().rejectMessage);
        assertEquals("IC0536", parsed.rejected.orElseThrow().errorCode.orElseThrow());
        assertTrue(ic4jSignableVerifies(parsed));
    }

    @Test
    void aCanisterRejectWithoutAnErrorCodeIsReportedAsIc0406() throws Exception {
        CborMap response = QueryResponses.signed(new CallResult.Rejected(RejectCode.CANISTER_REJECT, "no", null),
                requestId, TIMESTAMP, node);
        assertEquals("IC0406", ((CborMap) CborReader.read(CborWriter.encode(response, true))).requireText("error_code"));
    }
}
