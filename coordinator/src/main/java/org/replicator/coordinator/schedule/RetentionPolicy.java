package org.replicator.coordinator.schedule;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.IsoFields;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.replicator.coordinator.store.Generation;

/**
 * Which sealed generations a replica keeps: the newest {@code last}, plus the newest of each of the
 * last {@code daily} days and of the last {@code weekly} ISO weeks (UTC) that have one. The newest
 * generation is always kept.
 */
public record RetentionPolicy(int last, int daily, int weekly) {

    public RetentionPolicy {
        if (last < 1 || daily < 0 || weekly < 0) {
            throw new IllegalArgumentException("retention keeps at least the last generation (--keep-last >= 1)"
                    + " and no negative number of days or weeks");
        }
    }

    /** The ids to keep of one replica's sealed generations, given newest first. */
    public Set<Long> keep(List<Generation> newestFirst) {
        Set<Long> kept = new HashSet<>();
        newestFirst.stream().limit(last).forEach(g -> kept.add(g.id()));
        Set<LocalDate> days = new HashSet<>();
        Set<String> weeks = new HashSet<>();
        for (Generation g : newestFirst) {
            LocalDate day = LocalDate.ofInstant(g.sealedAt().orElseThrow(), ZoneOffset.UTC);
            if (days.size() < daily && days.add(day)) {
                kept.add(g.id());
            }
            String week = day.get(IsoFields.WEEK_BASED_YEAR) + "-W" + day.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR);
            if (weeks.size() < weekly && weeks.add(week)) {
                kept.add(g.id());
            }
        }
        return kept;
    }

    public String describe() {
        return "last " + last + (daily > 0 ? ", " + daily + " daily" : "") + (weekly > 0 ? ", " + weekly + " weekly" : "");
    }
}
