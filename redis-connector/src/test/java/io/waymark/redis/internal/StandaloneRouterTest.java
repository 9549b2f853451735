package io.waymark.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class StandaloneRouterTest {

    private static Node<String, String> node(String address) {
        // never connected in these tests: only the choice among probed roles is under test
        return new Node<>(address, () -> { throw new UnsupportedOperationException(); });
    }

    private final Node<String, String> a = node("127.0.0.21:6379");
    private final Node<String, String> b = node("127.0.0.22:6379");
    private final Node<String, String> c = node("127.0.0.23:6379");

    @Nested
    class ChooseMaster {

        @Test
        void noNodeAnsweredMasterMeansNoMasterWhateverConsulSays() {
            assertThat(StandaloneRouter.chooseMaster(a, List.of(), Set.of(a.address()))).isNull();
        }

        @Test
        void keepsTheCurrentMasterWhileItIsListedAndStillMaster() {
            // mid-switchover both answer master for a moment: do not flap
            assertThat(StandaloneRouter.chooseMaster(a, List.of(b, a), Set.of(b.address(), a.address())))
                    .isSameAs(a);
        }

        @Test
        void movesToTheListedMasterWhenTheCurrentOneIsNoLongerMaster() {
            assertThat(StandaloneRouter.chooseMaster(a, List.of(b), Set.of(a.address(), b.address()))).isSameAs(b);
        }

        @Test
        void prefersAListedMasterOverAnUnlistedOne() {
            assertThat(StandaloneRouter.chooseMaster(a, List.of(a, b), Set.of(b.address()))).isSameAs(b);
        }

        @Test
        void takesAPromotedReplicaBeforeConsulListsIt() {
            assertThat(StandaloneRouter.chooseMaster(a, List.of(c), Set.of(a.address()))).isSameAs(c);
        }

        @Test
        void keepsTheCurrentMasterWhenConsulListsNothing() {
            assertThat(StandaloneRouter.chooseMaster(a, List.of(c, a), Set.of())).isSameAs(a);
        }
    }
}
