package expr_test

import (
	"fmt"

	"tepat"
	"tepat/program/expr"
)

func Example() {
	e, err := expr.Parse(`desil <= 4 && (sd + smp >= 2 || lansia > 0) && !in_region("3578")`,
		[]string{"desil", "members", "sd", "smp", "lansia"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e)
	fmt.Println(e.Idents(), e.Regions())
	fmt.Println(e.SQL(func(ident string) string { return "f." + ident }, "f.village"))
	fmt.Println(e.Eval(map[string]int64{"desil": 3, "sd": 1, "smp": 1}, 3201011001))
	// Output:
	// desil <= 4 && (sd + smp >= 2 || lansia > 0) && !in_region("35.78")
	// [desil lansia sd smp] [35.78]
	// (((f.desil <= 4) AND (((f.sd + f.smp) >= 2) OR (f.lansia > 0))) AND (NOT (f.village BETWEEN 3578000000 AND 3578999999)))
	// true
}

func ExampleParse_error() {
	_, err := expr.Parse("desil <= 4 && desill > 0", []string{"desil", "members"})
	fmt.Println(tepat.ErrorMessage(err))
	fmt.Println(expr.Position(err))
	// Output:
	// posisi 15: nama tidak dikenal "desill" (yang dikenal: desil, members)
	// 15
}
