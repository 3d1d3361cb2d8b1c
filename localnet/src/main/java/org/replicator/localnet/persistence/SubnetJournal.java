package org.replicator.localnet.persistence;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The redo log of one subnet. Every committed round appends one record — the canister memory
 * pages it changed and a snapshot of everything else — before any page file is touched, so a
 * process killed at any point restarts from the last complete record: a torn record fails its
 * checksum and is ignored, and replaying a record onto page files is idempotent. When the log
 * grows large the state is checkpointed and the log starts over.
 */
final class SubnetJournal implements AutoCloseable {
    private static final int MAGIC = 0x4C4E4A31; // "LNJ1"
    static final long CHECKPOINT_AFTER_BYTES = 512L << 20;

    private final Path journalFile;
    private final Path checkpointFile;
    private FileChannel journal;

    /** One committed round as it was logged. */
    record Record(long height, byte[] memoryDelta, byte[] snapshot) {
    }

    SubnetJournal(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + directory, e);
        }
        this.journalFile = directory.resolve("journal.log");
        this.checkpointFile = directory.resolve("checkpoint.bin");
    }

    /**
     * Reads the checkpoint and every complete record after it, cutting off a torn tail so that
     * later appends follow the last good record.
     */
    List<Record> recover() {
        List<Record> records = new ArrayList<>();
        long checkpointHeight = -1;
        try {
            if (Files.exists(checkpointFile)) {
                Record checkpoint = parse(ByteBuffer.wrap(Files.readAllBytes(checkpointFile)));
                if (checkpoint == null) {
                    throw new IllegalStateException("checkpoint " + checkpointFile + " is damaged");
                }
                records.add(checkpoint);
                checkpointHeight = checkpoint.height();
            }
            long validEnd = 0;
            if (Files.exists(journalFile)) {
                ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(journalFile));
                while (all.remaining() > 0) {
                    int start = all.position();
                    Record r = parse(all);
                    if (r == null) {
                        break;
                    }
                    validEnd = all.position();
                    if (r.height() > checkpointHeight) {
                        records.add(r);
                    }
                    if (all.position() == start) {
                        break;
                    }
                }
            }
            journal = FileChannel.open(journalFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            journal.truncate(validEnd);
            journal.position(validEnd);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the journal in " + journalFile.getParent(), e);
        }
        return records;
    }

    /** Appends a round. Once this returns, the round survives the process being killed. */
    void append(long height, byte[] memoryDelta, byte[] snapshot) {
        try {
            journal.write(encode(height, memoryDelta, snapshot));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the journal " + journalFile, e);
        }
    }

    long size() {
        try {
            return journal.size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Replaces the log by a checkpoint of the current state. The caller has already forced the
     * page files to disk, so the checkpoint plus the page files are the whole state.
     */
    void checkpoint(long height, byte[] snapshot) {
        Path tmp = checkpointFile.resolveSibling("checkpoint.tmp");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(encode(height, new byte[0], snapshot));
            out.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + tmp, e);
        }
        try {
            Files.move(tmp, checkpointFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            journal.truncate(0);
            journal.position(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot replace checkpoint " + checkpointFile, e);
        }
    }

    private static ByteBuffer encode(long height, byte[] memoryDelta, byte[] snapshot) {
        int bodyLength = 8 + 4 + memoryDelta.length + 4 + snapshot.length;
        ByteBuffer buf = ByteBuffer.allocate(4 + 4 + bodyLength + 4);
        buf.putInt(MAGIC).putInt(bodyLength);
        int bodyStart = buf.position();
        buf.putLong(height).putInt(memoryDelta.length).put(memoryDelta).putInt(snapshot.length).put(snapshot);
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), bodyStart, bodyLength);
        buf.putInt((int) crc.getValue());
        buf.flip();
        return buf;
    }

    /** Parses one record at the buffer's position; null (position unchanged) if torn or damaged. */
    private static Record parse(ByteBuffer buf) {
        int start = buf.position();
        if (buf.remaining() < 12 || buf.getInt() != MAGIC) {
            buf.position(start);
            return null;
        }
        int bodyLength = buf.getInt();
        if (bodyLength < 16 || buf.remaining() < bodyLength + 4) {
            buf.position(start);
            return null;
        }
        int bodyStart = buf.position();
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), bodyStart, bodyLength);
        int expected = buf.getInt(bodyStart + bodyLength);
        if ((int) crc.getValue() != expected) {
            buf.position(start);
            return null;
        }
        long height = buf.getLong();
        byte[] delta = new byte[buf.getInt()];
        buf.get(delta);
        byte[] snapshot = new byte[buf.getInt()];
        buf.get(snapshot);
        buf.position(bodyStart + bodyLength + 4);
        return new Record(height, delta, snapshot);
    }

    @Override
    public void close() {
        try {
            if (journal != null) {
                journal.force(true);
                journal.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
