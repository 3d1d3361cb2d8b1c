package org.replicator.localnet.certification;

/** A certificate that does not verify or does not cover what it should. */
public class CertificateException extends Exception {
    public CertificateException(String message) {
        super(message);
    }

    public CertificateException(String message, Throwable cause) {
        super(message, cause);
    }
}
