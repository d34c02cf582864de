/**
 * A property's text in the pieces a line may break between (rules 242, 274): after `|`, `,`, `_`,
 * `/` or white space (a run of them stays with the piece before, and a `|` with the word before it), and after a `.` or `,` that is not inside a number ("1.5 MiB" and "4,096
 * sectors" stay whole, a disk id `1796120309.deadbeef.host` breaks at its dots). Each piece is drawn whole (no break inside a
 * word); one longer than its column is cut with an ellipsis, the whole text in the tooltip.
 * Joined, the pieces are the text.
 */
export function breakParts(text: string): string[] {
  return text.split(/(?:(?<=[|_/]|[,.](?!\d)|(?<!\d)\.)|(?<=\s)(?![|,]))(?!\s)/).filter((p) => p !== '')
}
