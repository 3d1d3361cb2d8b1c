package org.replicator.localnet.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import java.util.Optional;
import org.replicator.localnet.cbor.CborException;
import org.replicator.localnet.cbor.CborReader;
import org.replicator.localnet.cbor.CborValue;
import org.replicator.localnet.ids.Principal;

/**
 * Routes every request the way the replica's router does: CORS headers on every response and 200
 * for any OPTIONS preflight; 404 {@code Endpoint not found.} for unknown paths; 405 for a known
 * path with the wrong method; 400 for an unparsable id, a content type other than
 * {@code application/cbor} or a body that is not CBOR; 413 for an oversized body.
 */
final class GatewayHandler implements HttpHandler {
    private final GatewayConfig config;
    private final StatusEndpoint status;
    private final CallEndpoint calls;
    private final QueryEndpoint queries;
    private final ReadStateEndpoint readStates;

    GatewayHandler(GatewayBackend backend, EnvelopeValidator validator, GatewayConfig config) {
        this.config = config;
        this.status = new StatusEndpoint(backend, config);
        this.calls = new CallEndpoint(backend, validator, config);
        this.queries = new QueryEndpoint(backend, validator, config);
        this.readStates = new ReadStateEndpoint(backend, validator);
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            HttpReply reply;
            try {
                reply = route(exchange);
            } catch (HttpError e) {
                reply = HttpReply.text(e.status(), e.getMessage());
            } catch (RuntimeException e) {
                reply = HttpReply.text(500, "Internal error: " + e);
            }
            send(exchange, reply);
        }
    }

    private HttpReply route(HttpExchange exchange) throws HttpError, IOException {
        String method = exchange.getRequestMethod();
        if (method.equals("OPTIONS")) {
            return HttpReply.empty(200);
        }
        Optional<Route> match = Route.match(exchange.getRequestURI().getRawPath());
        if (match.isEmpty()) {
            return HttpReply.text(404, "Endpoint not found.");
        }
        Route route = match.get();
        if (!method.equals(route.endpoint().method)) {
            exchange.getResponseHeaders().set("Allow", route.endpoint().method);
            return HttpReply.empty(405);
        }
        if (route.endpoint() == Route.Endpoint.STATUS) {
            return status.handle();
        }
        Principal effectiveId = parseId(route.id());
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        if (contentType == null || !contentType.trim().toLowerCase(Locale.ROOT).equals("application/cbor")) {
            throw HttpError.badRequest("Unexpected content-type, expected application/cbor.");
        }
        byte[] body = readBody(exchange);
        CborValue cbor;
        try {
            cbor = CborReader.read(body);
        } catch (CborException e) {
            throw HttpError.badRequest("Failed to deserialize cbor request: " + e.getMessage());
        }
        return switch (route.endpoint()) {
            case CALL -> calls.handle(route, effectiveId, cbor, body.length);
            case QUERY -> queries.handle(route, effectiveId, cbor);
            case READ_STATE -> readStates.handle(route, effectiveId, cbor);
            case STATUS -> throw new IllegalStateException("unreachable");
        };
    }

    private static Principal parseId(String text) throws HttpError {
        try {
            return Principal.fromText(text);
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest("Invalid URL: Cannot parse `" + text + "` as a principal: " + e.getMessage());
        }
    }

    private byte[] readBody(HttpExchange exchange) throws HttpError, IOException {
        int limit = config.maxRequestBytes();
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.trim()) > limit) {
                    throw tooLarge(limit);
                }
            } catch (NumberFormatException e) {
                throw HttpError.badRequest("Invalid Content-Length header.");
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = exchange.getRequestBody()) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                if (body.size() + n > limit) {
                    throw tooLarge(limit);
                }
                body.write(buffer, 0, n);
            }
        }
        return body.toByteArray();
    }

    private static HttpError tooLarge(int limit) {
        return new HttpError(413, "Request body is larger than the limit of " + limit + " bytes.");
    }

    private static void send(HttpExchange exchange, HttpReply reply) throws IOException {
        Headers headers = exchange.getResponseHeaders();
        // Browser dapps call the replica from other origins, so every response allows them.
        headers.set("Access-Control-Allow-Origin", "*");
        headers.set("Access-Control-Allow-Methods", "GET, POST");
        headers.set("Access-Control-Allow-Headers", "authorization, accept, content-type");
        if (reply.contentType() != null) {
            headers.set("Content-Type", reply.contentType());
        }
        byte[] body = reply.body();
        exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
