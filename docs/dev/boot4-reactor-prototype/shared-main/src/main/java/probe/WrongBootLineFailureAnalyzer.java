package probe;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
public class WrongBootLineFailureAnalyzer extends AbstractFailureAnalyzer<WrongBootLineException> {
	@Override
	protected FailureAnalysis analyze(Throwable root, WrongBootLineException cause) {
		return new FailureAnalysis("GUARD: " + cause.getMessage(), "Use the other artifact.", cause);
	}
}
