package org.medfusion.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void medianAndOrderStatisticInterval() {
        List<Double> s = new ArrayList<>();
        for (int i = 10; i >= 1; i--) {
            s.add((double) i);
        }
        Stats.Summary sum = Stats.summarize(s);
        assertEquals(5.5, sum.median());
        // n=10: P(B<=1) = 11/1024 = 0.0107 <= 0.025, P(B<=2) = 0.0547 > 0.025 -> l = 2: [x(2), x(9)]
        assertEquals(2.0, sum.ciLow());
        assertEquals(9.0, sum.ciHigh());
        assertEquals(10, sum.n());
    }

    @Test
    void knownRanks() {
        assertEquals(0, Stats.lowerRank(5)); // 2 * 0.5^5 = 0.0625 > 0.05
        assertEquals(1, Stats.lowerRank(6)); // 0.5^6 = 0.0156
        assertEquals(2, Stats.lowerRank(9)); // P(B<=1) = 10/512 = 0.0195
        assertEquals(6, Stats.lowerRank(20)); // classic table value
    }

    @Test
    void tinySamplesFallBackToMinMax() {
        Stats.Summary s = Stats.summarize(List.of(3.0, 1.0, 2.0));
        assertEquals(new Stats.Summary(2.0, 1.0, 3.0, 3), s);
        assertEquals(new Stats.Summary(7.0, 7.0, 7.0, 1), Stats.summarize(List.of(7.0)));
    }

    @Test
    void rejectsEmptyAndNonFinite() {
        assertThrows(IllegalArgumentException.class, () -> Stats.summarize(List.of()));
        assertThrows(IllegalArgumentException.class, () -> Stats.summarize(List.of(1.0, Double.NaN)));
    }
}
