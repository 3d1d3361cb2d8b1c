package org.replicator.coordinator.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.replicator.coordinator.http.UserDocuments;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.users.Detacher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "detach", mixinStandardHelpOptions = true,
        description = {"Hands a user's backup canister over to them: takes it off the source's allow-list, charges the"
                + " cycles it holds to their account (refused first if the balance cannot cover them), makes the user its"
                + " only coordinator and only controller, and stops its schedule. Running it again after a failure"
                + " part-way completes it. See docs/users.md."})
final class UserDetachCommand implements Callable<Integer> {
    @ParentCommand
    UserCommand parent;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "REPLICA", description = "the user's backup canister")
    String replica;

    @Option(names = "--user", required = true, paramLabel = "P", description = "the user who holds it")
    String user;

    @Override
    public Integer call() {
        PrincipalId owner = PrincipalId.parse(user);
        PrincipalId canister = PrincipalId.parse(replica);
        PrintWriter err = spec.commandLine().getErr();
        try (Session session = new Session(parent.root, err)) {
            Detacher.Detached d = parent.withUsers(session, users -> new Detacher(session.database(), session.gateway(),
                    users.schedules(), users.accounts()).detach(owner, canister, session.identity().principal().text(),
                            step -> {
                                if (!session.json()) {
                                    err.println("  " + step);
                                    err.flush();
                                }
                            }));
            PrintWriter out = spec.commandLine().getOut();
            if (session.json()) {
                Map<String, Object> doc = new LinkedHashMap<>(UserDocuments.backup(d.backup()));
                doc.put("charged", d.charged().amount().toString());
                Output.json(out, doc);
            } else {
                out.println("backup canister " + canister + " is " + owner + "'s alone now; " + d.charged().amount()
                        + " cycles it held were charged");
            }
            out.flush();
        }
        return ExitCodes.OK;
    }
}
