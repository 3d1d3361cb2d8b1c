package org.replicator.coordinator.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.zip.CRC32;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The fixtures in src/test/resources/identities were made with openssl: ed25519-dfx.pem in the
 * PKCS#8 v2 layout dfx writes, the others as openssl writes them; each *.spki.hex is the public key
 * openssl derived. The expected principal is computed here from that key alone.
 */
public class IdentitiesTest {

    @ParameterizedTest
    @ValueSource(strings = {"ed25519-dfx", "ed25519-pkcs8-v1"})
    void anEd25519PemGivesThePrincipalDfxWouldGive(String name) throws Exception {
        LoadedIdentity id = Identities.fromPemFile(fixture(name + ".pem"));
        assertEquals("ed25519", id.kind());
        assertEquals(expectedPrincipal(name), id.principal().text());
    }

    @ParameterizedTest
    @ValueSource(strings = {"secp256k1-sec1", "secp256k1-with-params", "secp256k1-pkcs8"})
    void aSecp256k1PemGivesThePrincipalDfxWouldGive(String name) throws Exception {
        LoadedIdentity id = Identities.fromPemFile(fixture(name + ".pem"));
        assertEquals("secp256k1", id.kind());
        assertEquals(expectedPrincipal(name), id.principal().text());
    }

    @Test
    void theAnonymousIdentityIsTheAnonymousPrincipal() {
        assertEquals("2vxsx-fae", Identities.anonymous().principal().text());
    }

    @Test
    void aPemWhoseBodyIsNotBase64IsRefusedNamingTheFile() throws Exception {
        IdentityException e = assertThrows(IdentityException.class, () -> Identities.fromPemFile(fixture("malformed.pem")));
        assertTrue(e.getMessage().startsWith("identity file "), e.getMessage());
        assertTrue(e.getMessage().contains("malformed.pem"), e.getMessage());
        assertTrue(e.getMessage().contains("not a valid PEM private key"), e.getMessage());
    }

    @Test
    void aFileWithoutAnyPemBlockIsRefused() throws Exception {
        IdentityException e = assertThrows(IdentityException.class, () -> Identities.fromPemFile(fixture("not-pem.txt")));
        assertTrue(e.getMessage().contains("contains no PEM private key"), e.getMessage());
    }

    @Test
    void anEncryptedKeyIsRefusedWithHowToExportIt() throws Exception {
        IdentityException e = assertThrows(IdentityException.class, () -> Identities.fromPemFile(fixture("encrypted.pem")));
        assertTrue(e.getMessage().contains("is encrypted"), e.getMessage());
    }

    @Test
    void aPublicKeyAloneIsRefused() throws Exception {
        IdentityException e = assertThrows(IdentityException.class,
                () -> Identities.fromPemFile(fixture("public-key-only.pem")));
        assertTrue(e.getMessage().contains("only a public key"), e.getMessage());
    }

    @Test
    void aPrime256v1KeyIsRefusedBecauseItsSignaturesWouldBeRejected() throws Exception {
        IdentityException e = assertThrows(IdentityException.class, () -> Identities.fromPemFile(fixture("p256-sec1.pem")));
        assertTrue(e.getMessage().contains("Ed25519 and secp256k1"), e.getMessage());
    }

    @Test
    void aMissingFileIsNamed(@org.junit.jupiter.api.io.TempDir Path dir) {
        IdentityException e = assertThrows(IdentityException.class,
                () -> Identities.fromPemFile(dir.resolve("nope.pem")));
        assertTrue(e.getMessage().endsWith("nope.pem does not exist"), e.getMessage());
    }

    /** Self-authenticating id: SHA-224 of the DER public key, then 0x02; text: CRC32 ‖ bytes in base32, grouped. */
    public static String expectedPrincipal(String fixture) throws IOException, URISyntaxException, NoSuchAlgorithmException {
        byte[] spki = HexFormat.of().parseHex(Files.readString(fixture(fixture + ".spki.hex")).trim());
        byte[] hash = MessageDigest.getInstance("SHA-224").digest(spki);
        byte[] id = new byte[hash.length + 1];
        System.arraycopy(hash, 0, id, 0, hash.length);
        id[hash.length] = 0x02;
        return textual(id);
    }

    static String textual(byte[] id) {
        CRC32 crc = new CRC32();
        crc.update(id);
        long c = crc.getValue();
        byte[] all = new byte[id.length + 4];
        all[0] = (byte) (c >>> 24);
        all[1] = (byte) (c >>> 16);
        all[2] = (byte) (c >>> 8);
        all[3] = (byte) c;
        System.arraycopy(id, 0, all, 4, id.length);
        String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        StringBuilder b32 = new StringBuilder();
        int buffer = 0;
        int bits = 0;
        for (byte b : all) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                b32.append(alphabet.charAt((buffer >>> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        if (bits > 0) {
            b32.append(alphabet.charAt((buffer << (5 - bits)) & 31));
        }
        StringBuilder grouped = new StringBuilder();
        for (int i = 0; i < b32.length(); i += 5) {
            if (i > 0) {
                grouped.append('-');
            }
            grouped.append(b32, i, Math.min(b32.length(), i + 5));
        }
        return grouped.toString().toLowerCase(Locale.ROOT);
    }

    public static Path fixture(String name) throws URISyntaxException {
        return Path.of(IdentitiesTest.class.getResource("/identities/" + name).toURI());
    }
}
