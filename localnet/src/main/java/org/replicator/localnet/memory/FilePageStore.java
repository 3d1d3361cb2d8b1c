package org.replicator.localnet.memory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Pages in one sparse file, page i at offset i * 4096: only written pages take disk space, so a
 * 64 GiB stable memory with a few pages written costs a few pages. Reads and writes are
 * positional, so nothing is cached in the JVM heap.
 */
public final class FilePageStore implements PageStore {
    private final Path file;
    private final FileChannel channel;

    private FilePageStore(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    public static FilePageStore open(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        return new FilePageStore(file, channel);
    }

    public Path file() {
        return file;
    }

    @Override
    public byte[] read(long index) {
        byte[] page = new byte[PAGE_SIZE];
        ByteBuffer buf = ByteBuffer.wrap(page);
        long position = index * PAGE_SIZE;
        try {
            while (buf.hasRemaining()) {
                int n = channel.read(buf, position + buf.position());
                if (n < 0) {
                    break; // beyond the end of the file: the rest of the page is zeros
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read page " + index + " of " + file, e);
        }
        return page;
    }

    @Override
    public void write(long index, byte[] page) {
        ByteBuffer buf = ByteBuffer.wrap(page, 0, PAGE_SIZE);
        long position = index * PAGE_SIZE;
        try {
            while (buf.hasRemaining()) {
                channel.write(buf, position + buf.position());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write page " + index + " of " + file, e);
        }
    }

    @Override
    public void sync() {
        try {
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot sync " + file, e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file, e);
        }
    }
}
