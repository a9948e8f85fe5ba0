package org.medfusion.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RatioIntervalTest {

    static List<Double> draw(Random r, double median, int n) {
        List<Double> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(median * (1 + 0.03 * r.nextGaussian()));
        }
        return l;
    }

    @Test
    void intervalCoversTheTrueRatioAndIsReproducible() {
        int covered = 0;
        for (int seed = 0; seed < 100; seed++) {
            Random r = new Random(seed);
            Stats.Ratio x = Stats.ratioOfMedians(draw(r, 1170, 15), draw(r, 1000, 15));
            assertTrue(x.low() <= x.estimate() && x.estimate() <= x.high(), x.toString());
            covered += x.low() <= 1.17 && 1.17 <= x.high() ? 1 : 0;
        }
        assertTrue(covered >= 88, "a 95% interval covered the true ratio " + covered + " times in 100");
        Random r = new Random(1);
        List<Double> a = draw(r, 1170, 15);
        List<Double> b = draw(r, 1000, 15);
        assertEquals(Stats.ratioOfMedians(a, b), Stats.ratioOfMedians(a, b));
        assertThrows(IllegalArgumentException.class, () -> Stats.ratioOfMedians(List.of(1.0, Double.NaN), b));
    }
}
