package org.replicator.coordinator.cli;

import org.replicator.coordinator.agent.IcException;
import org.replicator.coordinator.agent.IdentityException;
import org.replicator.coordinator.ids.MalformedPrincipalException;
import org.replicator.coordinator.store.DatabaseException;
import org.replicator.coordinator.users.UserRefused;
import picocli.CommandLine;

/**
 * Turns whatever a command threw into one line on stderr and an exit code, so that every failure
 * reads the same way and scripts can branch on the code. Stack traces only with REPLICATOR_DEBUG set.
 */
final class FailureReporter implements CommandLine.IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        int code = exitCodeOf(e);
        commandLine.getErr().println("error: " + messageOf(e));
        if (System.getenv("REPLICATOR_DEBUG") != null) {
            e.printStackTrace(commandLine.getErr());
        }
        commandLine.getErr().flush();
        return code;
    }

    static int exitCodeOf(Throwable e) {
        if (e instanceof CommandFailure f) {
            return f.exitCode();
        }
        if (e instanceof IcException) {
            return ExitCodes.IC;
        }
        if (e instanceof DatabaseException) {
            return ExitCodes.DATABASE;
        }
        if (e instanceof UserRefused u && u.reason() == UserRefused.Reason.INVALID) {
            return ExitCodes.USAGE;
        }
        if (e instanceof IdentityException || e instanceof MalformedPrincipalException
                || e instanceof IllegalArgumentException) {
            return ExitCodes.USAGE;
        }
        return ExitCodes.FAILURE;
    }

    private static String messageOf(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getName() : m;
    }
}
