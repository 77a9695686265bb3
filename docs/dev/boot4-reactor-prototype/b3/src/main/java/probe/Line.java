package probe;
final class Line { static final int EXPECTED = 3; }
