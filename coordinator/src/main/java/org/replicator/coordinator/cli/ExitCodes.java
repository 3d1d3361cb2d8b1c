package org.replicator.coordinator.cli;

/** The replicator command's exit codes; docs/cli.md lists them and CliExitCodesTest holds them to it. */
public final class ExitCodes {
    /** Done. */
    public static final int OK = 0;
    /** The command could not do what was asked (e.g. the canister is already protected, or not protected). */
    public static final int FAILURE = 1;
    /** Bad usage or input: unknown option, malformed canister id or URL, unusable identity file. */
    public static final int USAGE = 2;
    /** The IC network is unreachable, rejected a call, or does not know the canister. */
    public static final int IC = 3;
    /** The database cannot be reached, started, migrated or written. */
    public static final int DATABASE = 4;

    private ExitCodes() {
    }
}
