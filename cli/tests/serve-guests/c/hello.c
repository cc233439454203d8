/* The smallest function in C: a header block, a blank line, a body. */
#include <stdio.h>

int main(void) {
    printf("Content-Type: text/plain\n\nhello from C\n");
    return 0;
}
