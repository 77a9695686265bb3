package probe;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class SharedScenarioTests {
	@Test
	void runsOnThisLine(CapturedOutput output) {
		TestContexts.runner().withPropertyValues("x=1").run((context) -> {
			assertThat(context).hasNotFailed();
			System.out.println("line=" + TestContexts.LINE + " boot=" + SpringBootVersion.getVersion());
		});
		assertThat(output).contains("line=" + TestContexts.LINE);
	}
}
