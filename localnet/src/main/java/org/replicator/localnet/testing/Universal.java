package org.replicator.localnet.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.replicator.localnet.ids.Principal;

/**
 * Programs for the universal canister ({@code localnet/src/main/rust/universal_canister.rs}): each
 * method appends one instruction of its stack machine. A program is the argument of the
 * canister's {@code update} or {@code query} method, or of its installation.
 */
public final class Universal {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public static Universal program() {
        return new Universal();
    }

    public byte[] build() {
        return out.toByteArray();
    }

    private Universal op(int code) {
        out.write(code);
        return this;
    }

    public Universal push(byte[] bytes) {
        out.write(0x01);
        out.writeBytes(le32(bytes.length));
        out.writeBytes(bytes);
        return this;
    }

    public Universal push(String text) {
        return push(text.getBytes(StandardCharsets.UTF_8));
    }

    public Universal pushU64(long v) {
        return push(le64(v));
    }

    public Universal push(Universal program) {
        return push(program.build());
    }

    public Universal replyDataAppend() {
        return op(0x02);
    }

    public Universal reply() {
        return op(0x03);
    }

    /** Replies with the given bytes. */
    public Universal replyWith(byte[] data) {
        return push(data).replyDataAppend().reply();
    }

    public Universal replyWith(String text) {
        return replyWith(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Replies with whatever is on top of the stack. */
    public Universal replyTop() {
        return replyDataAppend().reply();
    }

    public Universal reject() {
        return op(0x04);
    }

    public Universal rejectWith(String message) {
        return push(message).reject();
    }

    public Universal argData() {
        return op(0x05);
    }

    public Universal caller() {
        return op(0x06);
    }

    public Universal self() {
        return op(0x07);
    }

    public Universal rejectCode() {
        return op(0x08);
    }

    public Universal rejectMessage() {
        return op(0x09);
    }

    public Universal trap() {
        return op(0x0A);
    }

    public Universal trapWith(String message) {
        return push(message).trap();
    }

    public Universal debugPrint() {
        return op(0x0B);
    }

    public Universal setStore() {
        return op(0x0C);
    }

    public Universal getStore() {
        return op(0x0D);
    }

    /** Pops the page count, pushes the old size (or -1). */
    public Universal stableGrow(long pages) {
        return pushU64(pages).op(0x0E);
    }

    /** Writes the data on top of the stack at the offset below it. */
    public Universal stableWriteStack() {
        return op(0x0F);
    }

    public Universal stableWrite(long offset, byte[] data) {
        return pushU64(offset).push(data).op(0x0F);
    }

    public Universal stableRead(long offset, long length) {
        return pushU64(offset).pushU64(length).op(0x10);
    }

    public Universal stableSize() {
        return op(0x11);
    }

    /**
     * Starts a call to {@code callee.method} that runs {@code onReply} or {@code onReject} when
     * its answer comes; add data, cycles and cleanup, then {@link #callPerform()}.
     */
    public Universal callNew(Principal callee, String method, Universal onReply, Universal onReject) {
        return push(callee.bytes()).push(method).push(onReply).push(onReject).op(0x12);
    }

    public Universal callDataAppend(byte[] data) {
        return push(data).op(0x13);
    }

    public Universal callDataAppendTop() {
        return op(0x13);
    }

    public Universal callCyclesAdd(long cycles) {
        return pushU64(cycles).op(0x14);
    }

    /** Performs the call; pushes the error code (0 when queued). */
    public Universal callPerform() {
        return op(0x15);
    }

    public Universal callOnCleanup(Universal cleanup) {
        return push(cleanup).op(0x16);
    }

    /** Accepts up to {@code max} attached cycles; pushes the amount accepted. */
    public Universal acceptCycles(long max) {
        return pushU64(max).op(0x17);
    }

    public Universal cyclesAvailable() {
        return op(0x18);
    }

    public Universal cyclesRefunded() {
        return op(0x19);
    }

    public Universal balance() {
        return op(0x1A);
    }

    public Universal certifiedDataSet(byte[] data) {
        return push(data).op(0x1B);
    }

    /** Pushes the data certificate, empty when there is none. */
    public Universal dataCertificate() {
        return op(0x1C);
    }

    public Universal time() {
        return op(0x1D);
    }

    public Universal setGlobalTimer(long nanos) {
        return pushU64(nanos).op(0x1E);
    }

    public Universal performanceCounter(int kind) {
        return pushU64(kind).op(0x1F);
    }

    /** Runs forever: the message ends when it runs out of instructions. */
    public Universal loopForever() {
        return op(0x20);
    }

    public Universal onHeartbeat(Universal program) {
        return push(program).op(0x21);
    }

    public Universal onGlobalTimer(Universal program) {
        return push(program).op(0x22);
    }

    public Universal inspectMessageAccepts(boolean accepts) {
        return push(new byte[] {(byte) (accepts ? 1 : 0)}).op(0x23);
    }

    public Universal concat() {
        return op(0x24);
    }

    public Universal length() {
        return op(0x25);
    }

    public Universal dup() {
        return op(0x26);
    }

    public Universal onPreUpgrade(Universal program) {
        return push(program).op(0x27);
    }

    public Universal status() {
        return op(0x28);
    }

    public Universal version() {
        return op(0x29);
    }

    public Universal isController(Principal p) {
        return push(p.bytes()).op(0x2A);
    }

    /** Burns about 4 instructions per iteration. */
    public Universal burn(long iterations) {
        return pushU64(iterations).op(0x2B);
    }

    /** Pushes {@code count} copies of {@code value}. */
    public Universal repeat(byte value, long count) {
        return push(new byte[] {value}).pushU64(count).op(0x2C);
    }

    public Universal growHeap(long pages) {
        return pushU64(pages).op(0x2D);
    }

    public Universal drop() {
        return op(0x30);
    }

    public static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    public static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    public static long u64(byte[] le) {
        return ByteBuffer.wrap(le).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    public static int u32(byte[] le) {
        return ByteBuffer.wrap(le).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }
}
