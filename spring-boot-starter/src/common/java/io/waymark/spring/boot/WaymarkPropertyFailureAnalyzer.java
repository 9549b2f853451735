package io.waymark.spring.boot;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Boot's startup failure report for an {@link InvalidWaymarkPropertyException}: the description names
 * the property and what was wrong, the action says what to set. Registered in
 * {@code META-INF/spring.factories}.
 */
public class WaymarkPropertyFailureAnalyzer extends AbstractFailureAnalyzer<InvalidWaymarkPropertyException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidWaymarkPropertyException cause) {
        String description = "Waymark cannot start: property '" + cause.getProperty() + "'"
                + (cause.getValue() == null ? "" : " (value '" + cause.getValue() + "')") + " is invalid: "
                + cause.getReason();
        String action = "Update '" + cause.getProperty() + "' in the application's configuration to the form given "
                + "above.";
        return new FailureAnalysis(description, action, cause);
    }
}
