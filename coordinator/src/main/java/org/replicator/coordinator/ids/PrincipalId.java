package org.replicator.coordinator.ids;

import java.util.Objects;
import org.ic4j.types.Principal;

/**
 * A principal (canister, subnet or user id) in the IC's textual form, checked on the way in: the
 * checksum and grouping must be exactly what the IC prints, so a mistyped id never reaches the
 * network or the database.
 */
public record PrincipalId(String text) implements Comparable<PrincipalId> {
    public PrincipalId {
        Objects.requireNonNull(text, "text");
    }

    /** Parses the textual form; throws {@link MalformedPrincipalException} with the reason. */
    public static PrincipalId parse(String text) {
        if (text == null || text.isBlank()) {
            throw new MalformedPrincipalException("an empty string is not a principal");
        }
        String candidate = text.trim();
        try {
            Principal p = Principal.fromString(candidate);
            String canonical = p.toString();
            if (!canonical.equals(candidate)) {
                throw new MalformedPrincipalException("'" + text + "' is not a principal (did you mean " + canonical + "?)");
            }
            return new PrincipalId(canonical);
        } catch (MalformedPrincipalException e) {
            throw e;
        } catch (RuntimeException | Error e) {
            throw new MalformedPrincipalException("'" + text + "' is not a principal: it must be groups of 5 base32 "
                    + "characters with a valid checksum, like rrkah-fqaaa-aaaaa-aaaaq-cai");
        }
    }

    public static PrincipalId of(Principal principal) {
        return new PrincipalId(principal.toString());
    }

    public static PrincipalId ofBytes(byte[] bytes) {
        return of(Principal.from(bytes));
    }

    public Principal toIc4j() {
        return Principal.fromString(text);
    }

    public byte[] bytes() {
        return toIc4j().getValue();
    }

    @Override
    public int compareTo(PrincipalId o) {
        return text.compareTo(o.text);
    }

    @Override
    public String toString() {
        return text;
    }
}
