package io.waymark.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Json")
class JsonTest {

    @Test
    void parsesConsulStyleDocuments() {
        Object o = Json.parse("[{\"Name\":\"a\\\"b\",\"Port\":8500,\"Tags\":[\"x\"],\"ok\":true,"
                + "\"n\":null,\"u\":\"\\u0041\"}]");
        Map<?, ?> m = (Map<?, ?>) ((List<?>) o).get(0);
        assertThat(m.get("Name")).isEqualTo("a\"b");
        assertThat(((Number) m.get("Port")).intValue()).isEqualTo(8500);
        assertThat(m.get("Tags")).isEqualTo(List.of("x"));
        assertThat(m.get("ok")).isEqualTo(true);
        assertThat(m.containsKey("n")).isTrue();
        assertThat(m.get("u")).isEqualTo("A");
    }

    @Test
    void writesWhatItParses() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "line\nbreak \"q\"");
        m.put("l", List.of(1, "two"));
        m.put("b", false);
        assertThat(Json.parse(Json.write(m)).toString()).isEqualTo(
                "{s=line\nbreak \"q\", l=[1.0, two], b=false}");
    }

    @Test
    void rejectsGarbage() {
        assertThatThrownBy(() -> Json.parse("{\"a\":1} x")).isInstanceOf(IllegalArgumentException.class);
    }
}
