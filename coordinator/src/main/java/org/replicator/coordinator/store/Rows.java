package org.replicator.coordinator.store;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/** Conversions between columns and the coordinator's value types, in one place. */
final class Rows {
    private Rows() {
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    static Optional<Instant> optionalInstant(ResultSet rs, String column) throws SQLException {
        return Optional.ofNullable(instant(rs, column));
    }

    static PrincipalId principal(ResultSet rs, String column) throws SQLException {
        String text = rs.getString(column);
        return text == null ? null : new PrincipalId(text);
    }

    static Optional<PrincipalId> optionalPrincipal(ResultSet rs, String column) throws SQLException {
        return Optional.ofNullable(principal(rs, column));
    }

    static Optional<Digest> digest(ResultSet rs, String column) throws SQLException {
        return Optional.ofNullable(Digest.ofNullable(rs.getBytes(column)));
    }

    static BigInteger bigInteger(ResultSet rs, String column) throws SQLException {
        BigDecimal d = rs.getBigDecimal(column);
        return d == null ? null : d.toBigIntegerExact();
    }

    static Optional<Long> optionalLong(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? Optional.empty() : Optional.of(v);
    }

    static Optional<Integer> optionalInt(ResultSet rs, String column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? Optional.empty() : Optional.of(v);
    }

    static void setBigInteger(PreparedStatement ps, int index, BigInteger value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.NUMERIC);
        } else {
            ps.setBigDecimal(index, new BigDecimal(value));
        }
    }

    /** A timestamptz parameter; null binds SQL NULL (the queries' open bounds). */
    static void setInstant(PreparedStatement ps, int index, Instant value) throws SQLException {
        ps.setObject(index, value == null ? null : value.atOffset(ZoneOffset.UTC), Types.TIMESTAMP_WITH_TIMEZONE);
    }

    static void setDigest(PreparedStatement ps, int index, Digest value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.BINARY);
        } else {
            ps.setBytes(index, value.bytes());
        }
    }

    static void setPrincipal(PreparedStatement ps, int index, PrincipalId value) throws SQLException {
        ps.setString(index, value == null ? null : value.text());
    }

    static void setLong(PreparedStatement ps, int index, Long value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.BIGINT);
        } else {
            ps.setLong(index, value);
        }
    }

    /** Reads the current row of a result set as one value. */
    interface Mapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /** Every row the statement returns. */
    static <T> List<T> list(PreparedStatement ps, Mapper<T> mapper) throws SQLException {
        List<T> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(mapper.map(rs));
            }
        }
        return out;
    }

    /** The first row the statement returns, if any. */
    static <T> Optional<T> first(PreparedStatement ps, Mapper<T> mapper) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(mapper.map(rs)) : Optional.empty();
        }
    }

    /**
     * The row a guarded change returned; none means the row was not in the state the change named,
     * a {@link StaleStateException} saying what was expected.
     */
    static <T> T single(PreparedStatement ps, Mapper<T> mapper, String expected) throws SQLException {
        return first(ps, mapper).orElseThrow(() -> new StaleStateException("no " + expected));
    }
}
